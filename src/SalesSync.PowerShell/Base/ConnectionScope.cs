namespace SalesSync.PowerShell;

/// <summary>Where a connection is visible.</summary>
public enum ConnectionScope
{
    /// <summary>Every runspace of the process: ForEach-Object -Parallel, thread jobs, other runspaces (the default).</summary>
    Process,

    /// <summary>Only the runspace that connected (it closes with the runspace).</summary>
    Runspace,
}
