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
        Connections.AddOrUpdate(Key, connection, (_, old) =>
        {
            previous = old;
            return connection;
        });
        if (!ReferenceEquals(previous, connection)) previous?.Dispose();
    }

    /// <summary>Forgets and disposes the current connection; false when there was none.</summary>
    public static bool Remove()
    {
        if (!Connections.TryRemove(Key, out var old)) return false;
        old.Dispose();
        return true;
    }
}
