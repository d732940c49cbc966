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

    public static string TempDatabase() => Path.Combine(Path.GetTempPath(), "salessync-tests", Guid.NewGuid().ToString("N"), "sync.db");

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

public sealed class SandboxFixture : IAsyncLifetime
{
    public SandboxHost Host { get; private set; } = null!;

    public PSCredential MarketoCredential => ModuleHost.Credential(Host.State.Marketo.ClientId, Host.State.Marketo.ClientSecret);
    public PSCredential SalesforceCredential => ModuleHost.Credential(Host.State.Salesforce.ClientId, Host.State.Salesforce.ClientSecret);

    public async Task InitializeAsync() => Host = await SandboxHost.StartAsync("--people", "300", "--seed", "3");

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
