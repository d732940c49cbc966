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
}
