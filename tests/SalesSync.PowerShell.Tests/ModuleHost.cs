using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security;
using SalesSync.Sandbox;

namespace SalesSync.PowerShell.Tests;

/// <summary>Hosts the built module (./SalesSync.psd1 over out/module) in an in-process runspace.</summary>
public static class ModuleHost
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SalesSync.PowerShell.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found.");
    }

    public static System.Management.Automation.PowerShell NewShell()
    {
        var ps = System.Management.Automation.PowerShell.Create(InitialSessionState.CreateDefault2());
        ps.AddCommand("Import-Module").AddParameter("Name", Path.Combine(RepoRoot, "SalesSync.psd1")).AddParameter("ErrorAction", "Stop").Invoke();
        ps.Commands.Clear();
        return ps;
    }

    public static PSCredential Credential(string user, string secret)
    {
        var secure = new SecureString();
        foreach (var c in secret) secure.AppendChar(c);
        return new PSCredential(user, secure);
    }

    /// <summary>A database path in a fresh folder under the test run's temporary root (deleted when the run ends).</summary>
    public static string TempDatabase() => Path.Combine(TempFolder(), "sync.db");

    public static string TempFolder()
    {
        var folder = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>One folder per test process; removed at exit so runs leave nothing behind.</summary>
    public static string TempRoot { get; } = CreateTempRoot();

    private static string CreateTempRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "salessync-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    }

    /// <summary>Runs a command in a fresh shell and returns its output (errors throw).</summary>
    public static List<PSObject> Run(System.Management.Automation.PowerShell ps, string script)
    {
        ps.Commands.Clear();
        ps.Streams.ClearStreams();
        var output = ps.AddScript(script).Invoke().ToList();
        ps.Commands.Clear();
        return output;
    }

    /// <summary>The module's connection registry (internal), through reflection, for bookkeeping checks.</summary>
    public static Type Registry => AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "SalesSync.PowerShell")
        .GetType("SalesSync.PowerShell.Base.ConnectionRegistry", throwOnError: true)!;

    /// <summary>Drops every connection of the process so tests do not see each other's.</summary>
    public static void DisconnectAll()
    {
        using var ps = NewShell();
        ps.AddCommand("Disconnect-SalesSync").AddParameter("Scope", "Process").Invoke();
    }

    /// <summary>Everything a run wrote to any stream, as text, for "no secret anywhere" checks.</summary>
    public static string AllStreams(System.Management.Automation.PowerShell ps, IEnumerable<PSObject>? output = null)
    {
        var parts = new List<string>();
        if (output is not null) parts.AddRange(output.Select(o => o?.ToString() ?? ""));
        if (output is not null) parts.AddRange(output.SelectMany(o => o?.Properties.Select(p => $"{p.Name}={p.Value}") ?? []));
        parts.AddRange(ps.Streams.Verbose.Select(v => v.Message));
        parts.AddRange(ps.Streams.Debug.Select(v => v.Message));
        parts.AddRange(ps.Streams.Warning.Select(v => v.Message));
        parts.AddRange(ps.Streams.Information.Select(v => v.ToString()));
        parts.AddRange(ps.Streams.Error.Select(e => $"{e} {e.Exception} {e.ErrorDetails?.Message} {e.ErrorDetails?.RecommendedAction} {e.TargetObject} {e.CategoryInfo}"));
        return string.Join('\n', parts);
    }
}

/// <summary>Connections are process-wide by default, so module tests run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ModuleCollection
{
    public const string Name = "Module";
}

public sealed class SandboxFixture : IAsyncLifetime
{
    public SandboxHost Host { get; private set; } = null!;

    public PSCredential MarketoCredential => ModuleHost.Credential(Host.State.Marketo.ClientId, Host.State.Marketo.ClientSecret);
    public PSCredential SalesforceCredential => ModuleHost.Credential(Host.State.Salesforce.ClientId, Host.State.Salesforce.ClientSecret);

    public async Task InitializeAsync() => Host = await SandboxHost.StartAsync("--people", "300", "--seed", "3");

    public async Task DisposeAsync() => await Host.DisposeAsync();

    /// <summary>Clears every fault rule the sandbox still holds (a test's unconsumed fault must not leak into the next).</summary>
    public async Task ClearFaultsAsync()
    {
        using var http = new HttpClient();
        (await http.DeleteAsync(new Uri(Host.ControlUri, "faults"))).EnsureSuccessStatusCode();
    }

    public async Task<System.Text.Json.Nodes.JsonNode> StatsAsync()
    {
        using var http = new HttpClient();
        return System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(Host.ControlUri, "stats")))!;
    }
}
