using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>The history of sync runs, newest first; the newest unfinished one is where the next run resumes.</summary>
[Cmdlet(VerbsCommon.Get, "SalesSyncRun")]
[OutputType(typeof(SyncRun))]
public sealed class GetSalesSyncRunCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Only the newest N runs. -First is the same (the history is newest first), as other SalesSync Get- cmdlets name it.</summary>
    [Parameter(Position = 0)]
    [Alias("First")]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    protected override void EndProcessing()
    {
        foreach (var run in Session.GetSyncRuns(Last)) WriteObject(SyncRun.From(run));
    }
}
