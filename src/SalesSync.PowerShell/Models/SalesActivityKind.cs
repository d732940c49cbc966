namespace SalesSync;

/// <summary>The eight sales activities (mirrors the engine's kinds, which load in the module's own context).</summary>
public enum SalesActivityKind
{
    EmailSent,
    EmailOpened,
    EmailClicked,
    EmailReplied,
    EmailBounced,
    CallReceived,
    AddedToCampaign,
    RemovedFromCampaign,
}

/// <summary>
/// Maps the cmdlets' kinds to the engine's and back by name, never by number, so a kind added or reordered on
/// one side fails loudly instead of turning into another kind.
/// </summary>
internal static class SalesActivityKinds
{
    public static Core.Activities.SalesActivityKind ToEngine(SalesActivityKind kind) => Enum.Parse<Core.Activities.SalesActivityKind>(kind.ToString());

    public static SalesActivityKind FromEngine(Core.Activities.SalesActivityKind kind) => Enum.Parse<SalesActivityKind>(kind.ToString());

    /// <summary>
    /// A kind as typed or in a CSV column: trimmed, any case, spaces, hyphens and underscores ignored (" Email Sent "
    /// is EmailSent); numbers are refused (a kind is never read by its position).
    /// </summary>
    public static bool TryParse(string? text, out SalesActivityKind kind)
    {
        var key = new string((text ?? "").Where(c => c is not (' ' or '-' or '_') && !char.IsWhiteSpace(c)).ToArray());
        kind = default;
        return key.Length > 0 && !char.IsAsciiDigit(key[0]) && !key.StartsWith('-') && Enum.TryParse(key, ignoreCase: true, out kind) && Enum.IsDefined(kind);
    }
}

/// <summary>
/// A -Kind value read as Send-SalesActivity reads it (<see cref="SalesActivityKinds.TryParse"/>: 'Call Received' is
/// CallReceived), so every activity cmdlet takes the same names; an unknown one is a binding error listing them.
/// </summary>
public sealed class ValidateSalesActivityKindAttribute : System.Management.Automation.ValidateEnumeratedArgumentsAttribute
{
    protected override void ValidateElement(object element)
    {
        var text = element is System.Management.Automation.PSObject wrapped ? wrapped.BaseObject?.ToString() : element?.ToString();
        if (!SalesActivityKinds.TryParse(text, out _))
            throw new System.Management.Automation.ValidationMetadataException(
                $"'{text}' is not a sales activity kind; use {string.Join(", ", Enum.GetNames<SalesActivityKind>())} (any case; spaces, hyphens and underscores are ignored).");
    }
}
