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
