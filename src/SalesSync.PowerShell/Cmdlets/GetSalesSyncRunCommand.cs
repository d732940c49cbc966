using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// The history of sync runs, newest first; the newest unfinished one is where the next run resumes. A watch records a
/// run per poll (1,440 a day at 60 s), so by default only the newest <see cref="DefaultCount"/> are listed; -All lists every one.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SalesSyncRun", DefaultParameterSetName = NewestSet)]
[OutputType(typeof(SyncRun))]
public sealed class GetSalesSyncRunCommand : SalesSyncConnectedCmdlet
{
    private const string NewestSet = "Newest";
    private const string AllSet = "All";

    /// <summary>How many runs are listed without -Last or -All.</summary>
    public const int DefaultCount = 20;

    /// <summary>Only the newest N runs (default 20). -First is the same (the history is newest first), as other SalesSync Get- cmdlets name it.</summary>
    [Parameter(Position = 0, ParameterSetName = NewestSet)]
    [Alias("First")]
    [ValidateRange(1, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>Every recorded run, however many.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Leaves out the runs of Start-SalesSync -Watch polls (Watch = True): the full passes and manual or scheduled runs remain.</summary>
    [Parameter]
    public SwitchParameter ExcludeWatch { get; set; }

    protected override void EndProcessing()
    {
        int? count = All ? null : Last ?? DefaultCount;
        var runs = Session.GetSyncRuns(count, ExcludeWatch);
        if (Last is null && count is { } n && runs.Count == n && Session.CountSyncRuns(ExcludeWatch) is var total && total > n)
            WriteVerbose($"Listing the newest {n} of {total:N0} runs; -Last N lists more, -All lists every run, -ExcludeWatch leaves out watch polls.");
        foreach (var run in runs) WriteObject(SyncRun.From(run));
    }
}
