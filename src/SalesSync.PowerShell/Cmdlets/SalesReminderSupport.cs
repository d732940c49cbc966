using System.Globalization;
using System.Management.Automation;
using SalesSync.Core.Reminders;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// What the reminder cmdlets share: reading a due date and a priority as an admin or a CSV row gives them, and turning
/// a <see cref="ReminderException"/> into a per-item error whose ErrorId is the reason's name.
/// </summary>
internal static class SalesReminderInput
{
    /// <summary>ISO forms first, in any culture: a date alone, or a date and time (with or without an offset) whose time is ignored.</summary>
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK",
    ];

    /// <summary>
    /// A due date from a parameter or a CSV column: DateTime, DateTimeOffset, DateOnly or text (ISO 8601 first, then the
    /// session's culture, as PowerShell binds a date). The day is taken as written: the time part and any offset are
    /// ignored, never converted (Salesforce's ActivityDate is a date without a zone).
    /// </summary>
    public static DateOnly ReadDueDate(object? value)
    {
        const DateTimeStyles styles = DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeLocal;
        return (value is PSObject wrapped ? wrapped.BaseObject : value) switch
        {
            DateOnly day => day,
            DateTime at => DateOnly.FromDateTime(at),
            DateTimeOffset at => DateOnly.FromDateTime(at.DateTime),
            string text when DateTimeOffset.TryParseExact(text.Trim(), IsoFormats, CultureInfo.InvariantCulture, styles, out var parsed)
                             || DateTimeOffset.TryParse(text, CultureInfo.CurrentCulture, styles, out parsed) => DateOnly.FromDateTime(parsed.DateTime),
            var other => throw new ReminderException(ReminderFailureReason.InvalidValue,
                $"DueDate '{other}' is not a date: give yyyy-MM-dd such as {DateTime.Today.AddDays(1):yyyy-MM-dd}, a [datetime] (its time is ignored), or a date in this session's culture.") { Value = other },
        };
    }

    /// <summary>Normal or High, any case, trimmed; Salesforce's Low is not a reminder priority.</summary>
    public static ReminderPriority ReadPriority(string text) =>
        // By name only: Enum.TryParse would take "1" and "Normal,High".
        Enum.GetNames<ReminderPriority>().FirstOrDefault(n => n.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) is { } name
            ? Enum.Parse<ReminderPriority>(name)
            : throw new ReminderException(ReminderFailureReason.InvalidValue, $"Priority '{text}' is not a reminder priority: use Normal or High (Salesforce's Low is not synced).") { Value = text };

    /// <summary>
    /// The per-item error of a reminder the engine refused: ErrorId the reason's name (stable), its category, the
    /// offending value as TargetObject (else the input), and what to do.
    /// </summary>
    public static ErrorRecord Error(ReminderException e, object? input, string? prefix = null) =>
        new(e, e.Reason.ToString(), Category(e.Reason), e.Value ?? input)
        {
            ErrorDetails = new ErrorDetails(prefix + e.Message) { RecommendedAction = Advice(e.Reason) },
        };

    /// <summary>An id no reminder has (Get-SalesReminder and Get-SalesReminderConflict answer it alike).</summary>
    public static ErrorRecord NotFound(string id) =>
        Error(new ReminderException(ReminderFailureReason.ReminderNotFound, $"No reminder has the id '{id}' (ids look like SR-ABCDEFGHIJKLMNOP, exact, no wildcards; Get-SalesReminder lists them).") { Value = id }, id);

    /// <summary>An object piped where reminders are wanted (a synced person into Set-SalesReminder): say what to pipe instead.</summary>
    public static ErrorRecord NotAReminder(string command, string type, object? input) =>
        Error(new ReminderException(ReminderFailureReason.InvalidValue,
            $"{command} needs reminders (Get-SalesReminder's output) or their ids, not a {type}. For a person's reminders pipe it through Get-SalesReminder first: Get-SyncedPerson -MarketoId 1001 | Get-SalesReminder | {command}.") { Value = input }, input);

    public static ErrorCategory Category(ReminderFailureReason reason) => reason switch
    {
        ReminderFailureReason.PersonNotSynced or ReminderFailureReason.ReminderNotFound or ReminderFailureReason.NoOwner => ErrorCategory.ObjectNotFound,
        ReminderFailureReason.ValueTooLong => ErrorCategory.LimitsExceeded,
        ReminderFailureReason.ReminderDeleted => ErrorCategory.InvalidOperation,
        _ => ErrorCategory.InvalidArgument,
    };

    private static string Advice(ReminderFailureReason reason) => reason switch
    {
        ReminderFailureReason.PersonNotSynced => "Check the id or email (Get-SyncedPerson), or run Start-SalesSync if the person is new.",
        ReminderFailureReason.AmbiguousEmail => "Give -MarketoId (or a MarketoId column) to choose the person.",
        ReminderFailureReason.MissingPerson => "Give -MarketoId or -Email, or pipe objects with a MarketoId, Email, 'Email Address' or EmailAddress property.",
        ReminderFailureReason.ValueTooLong => "Shorten the value: a subject has at most 255 characters (put the rest in -Details).",
        ReminderFailureReason.ReminderNotFound => "Check the id: Get-SalesReminder lists the reminders (-IncludeDeleted shows deleted ones too).",
        ReminderFailureReason.ReminderDeleted => "A deleted reminder stays on record but cannot change: make a new one with New-SalesReminder.",
        ReminderFailureReason.NoOwner => "Give -OwnerId, the seller's Salesforce User id (005...), or set the person's owner in Salesforce and run Start-SalesSync.",
        _ => "Correct the value as the message says and try the item again.",
    };
}

/// <summary>Tab completion for -Priority where it is text (so a CSV row's bad value is that row's error): Normal, High.</summary>
public sealed class ReminderPriorityCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        Enum.GetNames<ReminderPriority>().Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}

/// <summary>
/// Pipeline input for -ReminderId: text is an id; an object with a ReminderId property (a reminder, a CSV row) gives
/// that; anything else (a synced person) becomes a marker the cmdlet reports as "needs reminders" (or, in
/// Get-SalesReminder, leaves to -MarketoId), never its type name taken as an id.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ReminderIdTransformationAttribute : ArgumentTransformationAttribute
{
    private const string Marker = "\u0000NotAReminder:";

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value is not string && value is System.Collections.IList list ? list.Cast<object?>().Select(One).ToArray() : One(inputData);
    }

    public static bool IsNotAReminder(string id, out string type)
    {
        type = id.StartsWith(Marker, StringComparison.Ordinal) ? id[Marker.Length..] : "";
        return type.Length > 0;
    }

    private static object? One(object? item) => (item is PSObject wrapped ? wrapped.BaseObject : item) switch
    {
        null => null,
        string text => text,
        _ when PSObject.AsPSObject(item).Properties["ReminderId"]?.Value is { } id => id is PSObject p ? p.BaseObject?.ToString() : id.ToString(),
        var other => Marker + (item is PSObject { TypeNames.Count: > 0 } typed ? typed.TypeNames[0] : other.GetType().FullName),
    };
}
