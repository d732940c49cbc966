using System.Management.Automation;
using SalesSync.Core.Activities;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>Shows the sales-activity settings stored in the database (which kinds are logged to Salesforce).</summary>
[Cmdlet(VerbsCommon.Get, "SalesActivitySetting")]
[OutputType(typeof(SalesActivitySetting))]
public sealed class GetSalesActivitySettingCommand : SalesSyncConnectedCmdlet
{
    protected override void EndProcessing() => WriteObject(SalesActivitySetting.From(Session.ActivitySettings, Session.DatabasePath));
}

/// <summary>Changes which kinds of sales activity are logged to Salesforce as Tasks; stored in the database for every runbook.</summary>
[Cmdlet(VerbsCommon.Set, "SalesActivitySetting", SupportsShouldProcess = true)]
[OutputType(typeof(SalesActivitySetting))]
public sealed class SetSalesActivitySettingCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The kinds to log to Salesforce; an empty list logs none.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [AllowEmptyCollection]
    public SalesActivityKind[] SalesforceKinds { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var current = Session.ActivitySettings;
        var wanted = SalesforceKinds.Distinct().Select(k => (Core.Activities.SalesActivityKind)(int)k).ToList();
        var text = wanted.Count == 0 ? "none" : string.Join(", ", wanted);
        if (!ShouldProcess(Session.DatabasePath, $"Log to Salesforce: {text} (now: {string.Join(", ", current.SalesforceKinds)})")) return;
        var saved = Session.SaveActivitySettings(current with { SalesforceKinds = wanted });
        WriteVerbose($"Kinds logged to Salesforce from now on: {text}. Activities already logged keep their destinations.");
        if (PassThru) WriteObject(SalesActivitySetting.From(saved, Session.DatabasePath));
    }
}
