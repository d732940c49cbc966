namespace SalesSync.Core.Diagnostics;

/// <summary>Progress of a long engine operation; a record with a parent nests under it, and Completed removes it.</summary>
public sealed record EngineProgress(string Activity, string Status, int PercentComplete = -1, int ActivityId = 1)
{
    public int ParentActivityId { get; init; } = -1;
    public bool Completed { get; init; }
}

/// <summary>
/// How the engine reports what it does. The engine never touches PowerShell: the cmdlet layer turns
/// these calls into Write-Verbose / Write-Debug / Write-Warning / Write-Progress on the pipeline thread.
/// Messages must never contain secrets (tokens, client secrets).
/// </summary>
public interface IEngineObserver
{
    void Verbose(string message);
    void Debug(string message);
    void Warning(string message);
    void Progress(EngineProgress progress);
}

/// <summary>Discards everything; for callers that do not listen.</summary>
public sealed class NullEngineObserver : IEngineObserver
{
    public static readonly NullEngineObserver Instance = new();
    public void Verbose(string message) { }
    public void Debug(string message) { }
    public void Warning(string message) { }
    public void Progress(EngineProgress progress) { }
}
