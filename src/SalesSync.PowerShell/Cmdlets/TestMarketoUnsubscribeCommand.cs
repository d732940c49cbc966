using System.Globalization;
using System.Management.Automation;
using SalesSync.Core.Unsubscribes;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Checks email addresses against Marketo's unsubscribe status, live: up to 300 addresses per call, several
/// calls side by side, a repeated address looked up once, results in input order. An address is unsubscribed
/// when any Marketo record with it is. Fails closed: an address Marketo could not answer for is an error and
/// never comes out as safe. Ends with a one-line summary on the Information stream.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MarketoUnsubscribe", DefaultParameterSetName = InputSet)]
[OutputType(typeof(UnsubscribeCheck), typeof(bool), typeof(PSObject))]
public sealed class TestMarketoUnsubscribeCommand : SalesSyncConnectedCmdlet
{
    private const string InputSet = "Input";
    private const string EmailSet = "Email";
    private const string Activity = "Test-MarketoUnsubscribe";

    /// <summary>An email address, or any object with an Email, EmailAddress or 'Email Address' property (a synced person, a CSV row).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Email addresses to check.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EmailSet)]
    [AllowEmptyString]
    public string[] Email { get; set; } = [];

    /// <summary>One boolean per input: $true when unsubscribed or not checkable (fails closed), $false only when Marketo confirmed it is safe.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Pass on only the input objects that are safe to email (for a pipeline into Send-SalesActivity).</summary>
    [Parameter]
    public SwitchParameter SafeOnly { get; set; }

    private sealed record Item(object? Input, string Email, UnsubscribeVerdict? Verdict);

    private UnsubscribeLookup? _lookup;
    private readonly Queue<Item> _waiting = new();
    private long _safe, _unsubscribed;
    private readonly SortedDictionary<string, long> _notChecked = new(StringComparer.Ordinal);

    /// <summary>Distinct addresses queued before lookups start: enough for every lookup of the connection's share, twice over, so they run side by side.</summary>
    private int FlushAt => 2 * _lookup!.SideBySide * UnsubscribeLookup.BatchSize;

    /// <summary>Inputs held for their answer before a partial batch is looked up anyway (memory stays flat on long runs of repeats).</summary>
    private int MaxWaiting => FlushAt + 5 * UnsubscribeLookup.BatchSize;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Quiet && SafeOnly)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Quiet and -SafeOnly cannot be used together: -Quiet returns one boolean per input, -SafeOnly passes on only the inputs that are safe to email."),
                "QuietWithSafeOnly", ErrorCategory.InvalidArgument, "-Quiet -SafeOnly")
            {
                ErrorDetails = new ErrorDetails("-Quiet and -SafeOnly cannot be used together.") { RecommendedAction = "Use -Quiet for a yes/no per input, or -SafeOnly to pass on the safe inputs, not both." },
            });
        _lookup = Session.CreateUnsubscribeLookup();
        _lookup.ProgressActivity = Activity;
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == EmailSet)
        {
            foreach (var email in Email) Accept(email, email ?? "");
        }
        else
        {
            Accept(InputObject, AddressOf(InputObject));
        }
    }

    protected override void EndProcessing()
    {
        Drain(final: true);
        WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        WriteVerbose($"Marketo unsubscribe lookups: {_lookup!.CallsMade} call(s).");
        var notChecked = _notChecked.Values.Sum();
        var why = notChecked == 0 ? "" : _notChecked.Count == 1 ? $" ({_notChecked.Keys.First()})"
            : " (" + string.Join(", ", _notChecked.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Value:N0} {r.Key}"))) + ")";
        WriteSummary(string.Create(CultureInfo.InvariantCulture,
            $"{_safe + _unsubscribed + notChecked:N0} checked: {_safe:N0} safe, {_unsubscribed:N0} unsubscribed, {notChecked:N0} not checked{why}"));
    }

    private void Accept(object? input, string? email)
    {
        // Queued like every other input (even when already answered), so results come out in input order.
        _waiting.Enqueue(email is null
            ? new Item(input, "", UnsubscribeVerdict.Failed("", UnsubscribeCheckFailure.NoEmail,
                "The input has no email address: it is neither text nor an object with a non-empty Email, EmailAddress or 'Email Address' property.", DateTimeOffset.UtcNow))
            : new Item(input, email, _lookup!.Request(email)));
        Drain(final: false);
    }

    /// <summary>Looks up what fills the lookups of a round (or everything at the end) and writes the results in input order.</summary>
    private void Drain(bool final)
    {
        // Enough for several lookups side by side, the end, or many inputs waiting on a few addresses (repeats).
        var crowded = _waiting.Count >= MaxWaiting;
        if (_lookup!.PendingCount > 0 && (final || crowded || _lookup.PendingCount >= FlushAt))
            RunEngine(ct => _lookup.FlushAsync(final || crowded, ct));
        while (_waiting.TryPeek(out var head))
        {
            var verdict = head.Verdict ?? _lookup.Find(head.Email);
            if (verdict is null)
            {
                if (!final) return;
                // Forgotten after a very long pipeline: ask again rather than guess.
                _lookup.Request(head.Email);
                RunEngine(ct => _lookup.FlushAsync(true, ct));
                verdict = _lookup.Find(head.Email) ?? UnsubscribeVerdict.Failed(head.Email, UnsubscribeCheckFailure.MarketoUnavailable, "No answer was kept for this address.", DateTimeOffset.UtcNow);
            }
            _waiting.Dequeue();
            Emit(head, verdict);
        }
    }

    private void Emit(Item item, UnsubscribeVerdict verdict)
    {
        if (verdict.Failure is { } failure)
        {
            var id = failure.ErrorId();
            _notChecked[id] = _notChecked.GetValueOrDefault(id) + 1;
            var (category, advice) = failure switch
            {
                UnsubscribeCheckFailure.NoEmail => (ErrorCategory.InvalidArgument,
                    "Pipe email addresses, or objects with an Email, EmailAddress or 'Email Address' property (as Get-SyncedPerson and Marketo's list exports through Import-Csv give), or use -Email."),
                UnsubscribeCheckFailure.InvalidEmail => (ErrorCategory.InvalidArgument,
                    "Correct the address (one plain address such as name@example.com: no display name, space or separator), then check it again."),
                UnsubscribeCheckFailure.QuotaExhausted => (ErrorCategory.QuotaExceeded,
                    "Marketo's daily API quota is spent: check again after midnight US Central. Until then treat the address as not safe to email."),
                UnsubscribeCheckFailure.Refused => (ErrorCategory.PermissionDenied,
                    "Check that the Marketo API user may read persons (Read-Only Lead); an address Marketo ties to records SalesSync cannot match stays not safe to email."),
                _ => (ErrorCategory.ConnectionError,
                    "Check again when Marketo answers (Test-MarketoUnsubscribe retries nothing it could not check). Until then treat the address as not safe to email."),
            };
            Exception error = failure is UnsubscribeCheckFailure.InvalidEmail or UnsubscribeCheckFailure.NoEmail
                ? new ArgumentException(verdict.FailureMessage)
                : new InvalidOperationException($"{verdict.Email}: not checked, so not safe to email. {verdict.FailureMessage}");
            WriteError(new ErrorRecord(error, id, category, item.Input) { ErrorDetails = new ErrorDetails(error.Message) { RecommendedAction = advice } });
        }
        else if (verdict.Unsubscribed) _unsubscribed++;
        else _safe++;
        if (SafeOnly)
        {
            if (verdict.SafeToEmail) WriteObject(item.Input);
            else if (verdict.Failure is null) WriteVerbose($"{verdict.Email} is unsubscribed in Marketo ({string.Join(", ", verdict.UnsubscribedIds)}): not passed on.");
        }
        else if (Quiet) WriteObject(!verdict.SafeToEmail);
        else WriteObject(UnsubscribeCheck.From(verdict, item.Input));
    }

    /// <summary>
    /// The address in an input: the text itself, or its first email property that holds a value (Email, EmailAddress,
    /// 'Email Address'); null when it has none with a value (a person without an email is NoEmail, not an invalid address).
    /// </summary>
    private static string? AddressOf(PSObject? input)
    {
        switch (input?.BaseObject)
        {
            case null: return null;
            case string text: return text;
            case System.Collections.IDictionary map: // @{ Email = '...' }
                return First(EmailAddress.PropertyNames.Select(name => map.Keys.OfType<string>().FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } key
                    ? (true, Text(map[key])) : (false, null)));
        }
        return First(EmailAddress.PropertyNames.Select(name => input.Properties[name] is { } property ? (true, Text(property.Value)) : (false, (string?)null)));

        static string? Text(object? value) => value switch
        {
            null => null,
            PSObject wrapped => wrapped.BaseObject?.ToString(),
            var other => other.ToString(),
        };

        static string? First(IEnumerable<(bool Present, string? Value)> candidates) =>
            candidates.FirstOrDefault(c => c.Present && !string.IsNullOrWhiteSpace(c.Value)).Value;
    }
}
