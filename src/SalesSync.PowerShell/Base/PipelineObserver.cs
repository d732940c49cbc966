using System.Management.Automation;
using SalesSync.Core.Diagnostics;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Receives engine events on any thread and queues them; the cmdlet drains the queue on the pipeline
/// thread, the only thread allowed to call Write-*.
/// </summary>
internal sealed class PipelineObserver(Action<Action<SalesSyncCmdlet>> post) : IEngineObserver
{
    public void Verbose(string message) => post(c => c.WriteVerbose(message));

    public void Debug(string message) => post(c => c.WriteDebug(message));

    public void Warning(string message) => post(c => c.WriteWarning(message));

    public void Progress(EngineProgress progress) => post(c =>
    {
        var record = new ProgressRecord(progress.ActivityId, progress.Activity, progress.Status);
        if (progress.PercentComplete >= 0) record.PercentComplete = Math.Min(100, progress.PercentComplete);
        if (progress.ParentActivityId >= 0) record.ParentActivityId = progress.ParentActivityId;
        if (progress.Completed) record.RecordType = ProgressRecordType.Completed;
        c.WriteProgress(record);
    });
}
