using System.Management.Automation;
using System.Threading.Channels;
using SalesSync.Core.Diagnostics;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Base of every SalesSync cmdlet: one cancellation source per invocation (Ctrl+C cancels it), engine
/// work run off the pipeline thread while its events and output are written on it, and the rule that
/// no engine work outlives its cmdlet: when writing to the pipeline throws (a stopping pipeline,
/// Select-Object -First, -ErrorAction/-WarningAction Stop), the work is cancelled and awaited first.
/// </summary>
public abstract class SalesSyncCmdlet : PSCmdlet, IDisposable
{
    /// <summary>Items the engine may run ahead of the pipeline: memory stays flat when downstream is slow.</summary>
    private const int StreamAhead = 512;

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
        var pump = new Pump(this);
        return pump.Run(token => work(token));
    }

    protected void RunEngine(Func<CancellationToken, Task> work) =>
        RunEngine(async ct =>
        {
            await work(ct).ConfigureAwait(false);
            return true;
        });

    /// <summary>
    /// Runs an engine stream and writes each item to the pipeline as it arrives (through
    /// <paramref name="project"/> when given), interleaved with the engine's events in the order they
    /// happened; a projection that returns null drops the item. The engine runs at most a few hundred
    /// items ahead of the pipeline.
    /// </summary>
    protected void RunEngineStream<T>(Func<CancellationToken, IAsyncEnumerable<T>> work, Func<T, object?>? project = null) =>
        RunEngineStream(work, (Action<T>)(item =>
        {
            var value = project is null ? item : project(item);
            if (value is not null) WriteObject(value); // a projection that returns null drops the item
        }));

    /// <summary>
    /// Runs an engine stream and hands each item to <paramref name="handle"/> on the pipeline thread (where it
    /// may write objects, errors or What if messages), interleaved with the engine's events in order.
    /// </summary>
    protected void RunEngineStream<T>(Func<CancellationToken, IAsyncEnumerable<T>> work, Action<T> handle)
    {
        var pump = new Pump(this);
        pump.Run(async token =>
        {
            await foreach (var item in work(token).WithCancellation(token).ConfigureAwait(false))
            {
                await pump.Credits.WaitAsync(token).ConfigureAwait(false);
                pump.Post(_ =>
                {
                    pump.Credits.Release();
                    handle(item);
                });
            }
            return true;
        });
    }

    /// <summary>One engine run: its queue of pipeline writes and its lifetime, tied to the cmdlet's.</summary>
    private sealed class Pump(SalesSyncCmdlet cmdlet)
    {
        private readonly Channel<Action<SalesSyncCmdlet>> _queue = Channel.CreateUnbounded<Action<SalesSyncCmdlet>>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

        public SemaphoreSlim Credits { get; } = new(StreamAhead, StreamAhead);

        public void Post(Action<SalesSyncCmdlet> write) => _queue.Writer.TryWrite(write);

        public T Run<T>(Func<CancellationToken, Task<T>> work)
        {
            Task<T> task;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cmdlet.CancellationToken);
            using (EngineObserver.Use(new PipelineObserver(Post)))
            {
                var token = linked.Token;
                task = Task.Run(() => work(token), token);
            }
            task.ContinueWith(_ => _queue.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    while (_queue.Reader.TryRead(out var write)) write(cmdlet);
                }
            }
            catch
            {
                // Writing failed (stopping pipeline, -ErrorAction Stop, ...): stop the engine and wait for it.
                linked.Cancel();
                try { task.Wait(); } catch (AggregateException) { }
                // Work that finished anyway must not leak what it made (a connection holds a database open).
                if (task.IsCompletedSuccessfully && task.Result is IDisposable made) made.Dispose();
                throw;
            }
            finally
            {
                Credits.Dispose();
            }
            try
            {
                return task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cmdlet.CancellationToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (Exception e) when (IsLocalFailure(e))
            {
                // Review P1: a disk, file or database failure gets a stable ErrorId, never its .NET type name.
                cmdlet.ThrowTerminatingError(new ErrorRecord(e, e is IOException or UnauthorizedAccessException ? "LocalFileError" : "DatabaseError",
                    ErrorCategory.WriteError, null)
                {
                    ErrorDetails = new ErrorDetails($"{cmdlet.MyInvocation.MyCommand?.Name ?? "SalesSync"} stopped on a local error: {e.Message}") { RecommendedAction = cmdlet.LocalFailureAdvice },
                });
                throw; // not reached: ThrowTerminatingError throws
            }
        }
    }

    /// <summary>
    /// The one-line summary a bulk cmdlet writes when it ends ("2,826 delivered, 174 failed ..."): Information
    /// stream, tagged "SalesSync.Summary", so -InformationVariable and 6> capture it and a runbook's output
    /// stream stays clean. Shown at the console by default, as Write-Host is (it answers "what happened?");
    /// an explicit -InformationAction (SilentlyContinue, Ignore, Continue) decides instead.
    /// </summary>
    protected void WriteSummary(string text)
    {
        var message = new HostInformationMessage { Message = text, NoNewLine = false };
        var tags = MyInvocation.BoundParameters.ContainsKey("InformationAction") ? new[] { SummaryTag } : new[] { "PSHOST", SummaryTag };
        WriteInformation(message, tags);
    }

    /// <summary>The tag on every end-of-cmdlet summary record.</summary>
    public const string SummaryTag = "SalesSync.Summary";

    /// <summary>A local failure (file system, LiteDB; LiteDB lives in the module's own load context, so it is told by name).</summary>
    internal static bool IsLocalFailure(Exception e) =>
        e is IOException or UnauthorizedAccessException || e.GetType().FullName?.StartsWith("LiteDB.", StringComparison.Ordinal) == true;

    /// <summary>What to do after a local failure (disk full, a file locked by another program); a cmdlet may say more.</summary>
    protected virtual string LocalFailureAdvice => "Fix the disk or file problem (space, permissions, another program holding the file), then run the command again: nothing stored so far is lost.";

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Dispose(true);
        _cancellation.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what a derived cmdlet holds (called once, by PowerShell, when the pipeline ends).</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
