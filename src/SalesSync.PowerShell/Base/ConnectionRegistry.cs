using System.Management.Automation.Runspaces;
using SalesSync.Core;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// The connections of this process, in memory only: one process-wide connection (seen by every
/// runspace, as Microsoft Graph's process scope is) and per-runspace ones that take precedence in
/// their runspace. Replacing or removing a connection retires it; it closes when the last command
/// using it ends. Nothing about a connection, least of all a secret, is written anywhere.
/// </summary>
internal static class ConnectionRegistry
{
    private static readonly object Sync = new();
    private static SalesSyncSession? _process;
    private static readonly Dictionary<Guid, RunspaceEntry> Runspaces = [];

    private sealed record RunspaceEntry(Runspace Runspace, SalesSyncSession Session, EventHandler<RunspaceStateEventArgs> OnStateChanged);

    /// <summary>The connection the current runspace sees: its own, else the process-wide one.</summary>
    public static SalesSyncSession? Current => Find(out _);

    public static SalesSyncSession? Find(out ConnectionScope scope)
    {
        lock (Sync)
        {
            scope = ConnectionScope.Runspace;
            if (Runspace.DefaultRunspace is { } runspace && Runspaces.TryGetValue(runspace.InstanceId, out var entry)) return entry.Session;
            scope = ConnectionScope.Process;
            return _process;
        }
    }

    /// <summary>Makes <paramref name="session"/> current in <paramref name="scope"/>, retiring what it replaces.</summary>
    public static void Set(SalesSyncSession session, ConnectionScope scope)
    {
        var retired = new List<SalesSyncSession>();
        lock (Sync)
        {
            var runspace = Runspace.DefaultRunspace;
            // Whatever this runspace used before gives way, so the new connection is the one in effect here.
            if (runspace is not null && Take(runspace.InstanceId) is { } own) retired.Add(own);
            if (scope == ConnectionScope.Process || runspace is null)
            {
                if (_process is not null) retired.Add(_process);
                _process = session;
            }
            else
            {
                EventHandler<RunspaceStateEventArgs> handler = (_, e) =>
                {
                    if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken) Take(runspace.InstanceId)?.Dispose();
                };
                runspace.StateChanged += handler;
                Runspaces[runspace.InstanceId] = new RunspaceEntry(runspace, session, handler);
            }
        }
        foreach (var old in retired) if (!ReferenceEquals(old, session)) old.Dispose();
    }

    /// <summary>Retires the connection in effect here (or the one of <paramref name="scope"/>); false when there was none.</summary>
    public static bool Remove(ConnectionScope? scope)
    {
        SalesSyncSession? removed = null;
        lock (Sync)
        {
            var runspace = Runspace.DefaultRunspace;
            if (scope != ConnectionScope.Process && runspace is not null) removed = Take(runspace.InstanceId);
            if (removed is null && scope != ConnectionScope.Runspace)
            {
                removed = _process;
                _process = null;
            }
        }
        removed?.Dispose();
        return removed is not null;
    }

    /// <summary>Retires every connection and closes every database (Remove-Module).</summary>
    public static void CloseAll()
    {
        List<SalesSyncSession> all;
        lock (Sync)
        {
            all = Runspaces.Keys.ToList().Select(Take).OfType<SalesSyncSession>().ToList();
            if (_process is not null) all.Add(_process);
            _process = null;
        }
        foreach (var session in all) session.Dispose();
        SalesSyncSession.CloseAllDatabases();
    }

    /// <summary>How many runspaces hold a connection of their own (for tests).</summary>
    internal static int RunspaceCount
    {
        get { lock (Sync) return Runspaces.Count; }
    }

    private static SalesSyncSession? Take(Guid runspaceId)
    {
        lock (Sync)
        {
            if (!Runspaces.Remove(runspaceId, out var entry)) return null;
            entry.Runspace.StateChanged -= entry.OnStateChanged;
            return entry.Session;
        }
    }
}
