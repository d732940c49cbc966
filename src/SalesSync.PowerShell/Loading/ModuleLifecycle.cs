using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.Loader;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Loading;

/// <summary>
/// Import: route the engine assembly to <see cref="EngineLoadContext"/> before any cmdlet touches it.
/// Remove-Module: drop the runspace's own connection; when no open runspace has the module any more,
/// close every connection and database of the process and unhook, so importing again starts clean
/// (and a Remove-Module in one runspace never pulls the connection from under another).
/// </summary>
public sealed class ModuleLifecycle : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static readonly object Sync = new();
    private static readonly Dictionary<Guid, (Runspace Runspace, EventHandler<RunspaceStateEventArgs> OnClosed)> ImportedIn = [];
    private static bool _hooked;

    public void OnImport()
    {
        lock (Sync)
        {
            if (!_hooked)
            {
                AssemblyLoadContext.Default.Resolving += EngineLoadContext.ResolveEngine;
                _hooked = true;
            }
            if (Runspace.DefaultRunspace is { } runspace && !ImportedIn.ContainsKey(runspace.InstanceId))
            {
                EventHandler<RunspaceStateEventArgs> onClosed = (_, e) =>
                {
                    if (e.RunspaceStateInfo.State is RunspaceState.Closed or RunspaceState.Broken) Forget(runspace.InstanceId);
                };
                runspace.StateChanged += onClosed;
                ImportedIn[runspace.InstanceId] = (runspace, onClosed);
            }
        }
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        ConnectionRegistry.Remove(ConnectionScope.Runspace);
        bool last;
        lock (Sync)
        {
            if (Runspace.DefaultRunspace is { } runspace) Forget(runspace.InstanceId);
            last = ImportedIn.Count == 0;
        }
        if (!last) return;
        ConnectionRegistry.CloseAll();
        lock (Sync)
        {
            if (!_hooked || ImportedIn.Count > 0) return;
            AssemblyLoadContext.Default.Resolving -= EngineLoadContext.ResolveEngine;
            _hooked = false;
        }
    }

    private static void Forget(Guid runspaceId)
    {
        lock (Sync)
        {
            if (!ImportedIn.Remove(runspaceId, out var entry)) return;
            entry.Runspace.StateChanged -= entry.OnClosed;
        }
    }
}
