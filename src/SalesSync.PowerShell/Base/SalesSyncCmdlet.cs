using System.Collections.Concurrent;
using System.Management.Automation;
using SalesSync.Core.Diagnostics;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Base of every SalesSync cmdlet: one cancellation source per invocation (Ctrl+C cancels it), engine
/// work run off the pipeline thread while its events are written on it, and one mapping from engine
/// exceptions to ErrorRecords.
/// </summary>
public abstract class SalesSyncCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing()
    {
        // Runs on another thread: only signal.
        _cancellation.Cancel();
    }

    /// <summary>
    /// Runs engine work on the thread pool and pumps its verbose/debug/warning/progress events onto the
    /// pipeline thread until it finishes. Ctrl+C cancels the work and stops the pipeline.
    /// </summary>
    protected T RunEngine<T>(Func<CancellationToken, Task<T>> work)
    {
        using var queue = new BlockingCollection<Action<SalesSyncCmdlet>>();
        Task<T> task;
        using (EngineObserver.Use(new PipelineObserver(queue)))
        {
            var token = CancellationToken;
            task = Task.Run(() => work(token), token);
        }
        task.ContinueWith(_ => queue.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        foreach (var write in queue.GetConsumingEnumerable()) write(this);
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected void RunEngine(Func<CancellationToken, Task> work) =>
        RunEngine(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        });

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }
}
