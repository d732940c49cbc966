using System.Collections.Concurrent;
using System.Management.Automation.Runspaces;
using SalesSync.Core.Connection;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// The connection of each PowerShell session (runspace). Kept in memory only: nothing about a
/// connection, least of all a secret, is written anywhere.
/// </summary>
internal static class SessionRegistry
{
    private static readonly ConcurrentDictionary<Guid, SalesSyncConnection> Connections = new();

    private static Guid Key => Runspace.DefaultRunspace?.InstanceId ?? Guid.Empty;

    public static SalesSyncConnection? Current => Connections.TryGetValue(Key, out var c) ? c : null;

    /// <summary>Makes <paramref name="connection"/> current and disposes the one it replaces.</summary>
    public static void Set(SalesSyncConnection connection)
    {
        SalesSyncConnection? previous = null;
        var added = false;
        Connections.AddOrUpdate(Key, _ =>
        {
            added = true;
            return connection;
        }, (_, old) =>
        {
            previous = old;
            return connection;
        });
        if (!ReferenceEquals(previous, connection)) previous?.Dispose();
        // Hosts that create and close many runspaces must not keep their connections alive.
        if (added && Runspace.DefaultRunspace is { } runspace) runspace.StateChanged += ForgetWhenClosed;
    }

    private static void ForgetWhenClosed(object? sender, RunspaceStateEventArgs e)
    {
        if (sender is not Runspace runspace || e.RunspaceStateInfo.State is not (RunspaceState.Closed or RunspaceState.Broken)) return;
        runspace.StateChanged -= ForgetWhenClosed;
        if (Connections.TryRemove(runspace.InstanceId, out var old)) old.Dispose();
    }

    /// <summary>How many runspaces hold a connection (for tests).</summary>
    internal static int Count => Connections.Count;

    /// <summary>Forgets and disposes the current connection; false when there was none.</summary>
    public static bool Remove()
    {
        if (!Connections.TryRemove(Key, out var old)) return false;
        old.Dispose();
        return true;
    }
}
