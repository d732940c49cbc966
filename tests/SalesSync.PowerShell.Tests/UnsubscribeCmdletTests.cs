using System.Management.Automation;

namespace SalesSync.PowerShell.Tests;

/// <summary>Test-MarketoUnsubscribe and Sync-SalesOptOut in a host: the engine's progress reaches Write-Progress, and each ends with one summary record.</summary>
[Collection(ModuleCollection.Name)]
public sealed class UnsubscribeCmdletTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IDisposable
{
    public void Dispose() => ModuleHost.DisconnectAll();

    [Fact]
    public void BothShowProgressThroughTheEngineAndEndWithOneSummary()
    {
        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", sandbox.Host.MarketoUri).AddParameter("MarketoCredential", sandbox.MarketoCredential)
            .AddParameter("SalesforceUri", sandbox.Host.SalesforceUri).AddParameter("SalesforceCredential", sandbox.SalesforceCredential)
            .AddParameter("Database", ModuleHost.TempDatabase()).Invoke();
        ModuleHost.Run(ps, "Start-SalesSync -Method Rest -StaticListId 1001 -SkipOptOut | Out-Null");

        var checks = ModuleHost.Run(ps, "Get-SyncedPerson | Test-MarketoUnsubscribe -Quiet");
        var progress = ps.Streams.Progress.Where(p => p.Activity == "Test-MarketoUnsubscribe").ToList();
        Assert.Contains(progress, p => p.RecordType == ProgressRecordType.Processing && p.StatusDescription.Contains("emails looked up in Marketo", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, progress[^1].RecordType);
        var summary = Assert.Single(ps.Streams.Information);
        Assert.Contains("SalesSync.Summary", summary.Tags);
        Assert.Equal($"{checks.Count:N0} checked: {checks.Count(c => !(bool)c.BaseObject):N0} safe, {checks.Count(c => (bool)c.BaseObject):N0} unsubscribed, 0 not checked",
            summary.MessageData.ToString(), ignoreCase: false, ignoreLineEndingDifferences: true);

        ModuleHost.Run(ps, "Sync-SalesOptOut | Out-Null");
        var step = ps.Streams.Progress.Where(p => p.Activity == "Opt-out step").ToList();
        Assert.Contains(step, p => p.RecordType == ProgressRecordType.Processing && p.StatusDescription.Contains("Salesforce records read", StringComparison.Ordinal));
        Assert.Equal(ProgressRecordType.Completed, step[^1].RecordType);
        Assert.Contains("Email Opt Out set in Salesforce", Assert.Single(ps.Streams.Information).MessageData.ToString(), StringComparison.Ordinal);
    }
}
