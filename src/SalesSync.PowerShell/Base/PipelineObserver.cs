using System.Collections.Concurrent;
using System.Management.Automation;
using SalesSync.Core.Diagnostics;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Receives engine events on any thread and queues them; the cmdlet drains the queue on the pipeline
/// thread, the only thread allowed to call Write-*.
/// </summary>
internal sealed class PipelineObserver(BlockingCollection<Action<SalesSyncCmdlet>> queue) : IEngineObserver
{
    public void Verbose(string message) => Post(c => c.WriteVerbose(message));

    public void Debug(string message) => Post(c => c.WriteDebug(message));

    public void Warning(string message) => Post(c => c.WriteWarning(message));

    public void Progress(EngineProgress progress) => Post(c =>
    {
        var record = new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status);
        if (progress.PercentComplete >= 0) record.PercentComplete = Math.Min(100, progress.PercentComplete);
        c.WriteProgress(record);
    });

    private void Post(Action<SalesSyncCmdlet> write)
    {
        try
        {
            queue.Add(write);
        }
        catch (InvalidOperationException)
        {
            // The cmdlet stopped listening (pipeline stopped); nothing to report to.
        }
    }
}
