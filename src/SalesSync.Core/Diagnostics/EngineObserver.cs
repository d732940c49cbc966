namespace SalesSync.Core.Diagnostics;

/// <summary>
/// The observer of the current engine operation. It flows with async calls (AsyncLocal), so the API
/// clients, which outlive a single cmdlet call, report to whichever cmdlet is running them now.
/// </summary>
public static class EngineObserver
{
    private static readonly AsyncLocal<IEngineObserver?> CurrentObserver = new();

    public static IEngineObserver Current => CurrentObserver.Value ?? NullEngineObserver.Instance;

    /// <summary>Sets the observer until the returned scope is disposed.</summary>
    public static IDisposable Use(IEngineObserver observer)
    {
        var previous = CurrentObserver.Value;
        CurrentObserver.Value = observer;
        return new Scope(() => CurrentObserver.Value = previous);
    }

    private sealed class Scope(Action restore) : IDisposable
    {
        private Action? _restore = restore;

        public void Dispose() => Interlocked.Exchange(ref _restore, null)?.Invoke();
    }
}
