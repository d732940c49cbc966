using System.Diagnostics;
using System.Text;

namespace SalesSync.PowerShell.Tests;

/// <summary>What only real, separate processes show: the cross-process database lock and dependency isolation.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ProcessTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IDisposable
{
    public void Dispose() => ModuleHost.DisconnectAll();

    /// <summary>Runs a script in a child pwsh (the pinned tool), credentials passed in its environment only.</summary>
    private (int ExitCode, string Output) RunPwsh(string script)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ModuleHost.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-EncodedCommand", Convert.ToBase64String(Encoding.Unicode.GetBytes(script)) })
            psi.ArgumentList.Add(a);
        psi.Environment["SALESSYNC_MARKETO_URI"] = sandbox.Host.MarketoUri.ToString();
        psi.Environment["SALESSYNC_MARKETO_CLIENT_ID"] = sandbox.Host.State.Marketo.ClientId;
        psi.Environment["SALESSYNC_MARKETO_CLIENT_SECRET"] = sandbox.Host.State.Marketo.ClientSecret;
        psi.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The child pwsh did not finish in 2 minutes.");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    [Fact]
    public void ASecondProcessCannotOpenADatabaseThisProcessHasOpen()
    {
        var database = ModuleHost.TempDatabase();
        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", sandbox.Host.MarketoUri)
            .AddParameter("MarketoCredential", sandbox.MarketoCredential).AddParameter("Database", database).Invoke();
        var attempt = $"Import-Module {Quote(Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1"))}; " +
                      $"try {{ Connect-SalesSync -FromEnvironment -Database {Quote(database)} | Out-Null; 'CONNECTED' }} catch {{ 'ERRORID=' + $_.FullyQualifiedErrorId; $_.Exception.Message }}";

        var (_, refused) = RunPwsh(attempt);
        Assert.Contains("ERRORID=DatabaseInUse,SalesSync.PowerShell.Cmdlets.ConnectSalesSyncCommand", refused);
        Assert.Contains("open in another process", refused);
        Assert.DoesNotContain(sandbox.Host.State.Marketo.ClientSecret, refused);

        ModuleHost.Run(ps, "Disconnect-SalesSync");
        var (exit, accepted) = RunPwsh(attempt);
        Assert.True(exit == 0, accepted);
        Assert.Contains("CONNECTED", accepted);
    }

    [Fact]
    public void TheEngineLoadsInItsOwnContextBesideOtherVersionsOfItsLibraries()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var oldLiteDb = Path.Combine(packages, "litedb", "5.0.20", "lib", "netstandard2.0", "LiteDB.dll");
        var oldRestSharp = Path.Combine(packages, "restsharp", "108.0.1", "lib", "net6.0", "RestSharp.dll");
        Assert.True(File.Exists(oldLiteDb) && File.Exists(oldRestSharp), "The test project's restore downloads LiteDB 5.0.20 and RestSharp 108.0.1.");
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            Add-Type -Path {{Quote(oldLiteDb)}}
            Add-Type -Path {{Quote(oldRestSharp)}}
            Import-Module {{Quote(Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1"))}}
            $c = Connect-SalesSync -FromEnvironment -Database {{Quote(ModuleHost.TempDatabase())}}
            "CONNECTED $($c.Database)"
            [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in 'LiteDB', 'RestSharp', 'Polly.Core', 'SalesSync.Core', 'SalesSync.PowerShell' } |
                ForEach-Object { 'LOADED {0} {1} {2}' -f $_.GetName().Name, $_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name } | Sort-Object
            Disconnect-SalesSync
            """;
        var (exit, output) = RunPwsh(script);
        Assert.True(exit == 0, output);
        Assert.Contains("CONNECTED ", output);
        Assert.Contains("LOADED LiteDB 5.0.20.0 Default", output);
        Assert.Contains("LOADED LiteDB 5.0.21.0 SalesSync", output);
        Assert.Contains("LOADED RestSharp 108.0.1.0 Default", output);
        Assert.Contains("LOADED RestSharp 114.1.0.0 SalesSync", output);
        Assert.Matches(@"LOADED Polly\.Core \S+ SalesSync", output);
        Assert.Matches(@"LOADED SalesSync\.Core \S+ SalesSync", output);
        Assert.Matches(@"LOADED SalesSync\.PowerShell \S+ Default", output);
    }

    [Fact]
    public void RemoveModuleClosesConnectionsAndDatabasesAndAnImportStartsClean()
    {
        // A fresh process, so no runspace of another test still has the module imported.
        var database = ModuleHost.TempDatabase();
        var manifest = Quote(Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1"));
        var script = $$"""
            $ErrorActionPreference = 'Stop'
            function Test-Lock { try { [IO.FileStream]::new({{Quote(database + ".lock")}}, 'Open', 'ReadWrite', 'None').Dispose(); 'free' } catch { 'held' } }
            Import-Module {{manifest}}
            Connect-SalesSync -FromEnvironment -Database {{Quote(database)}} | Out-Null
            "LOCK-WHILE-CONNECTED $(Test-Lock)"
            Remove-Module SalesSync
            "LOCK-AFTER-REMOVE $(Test-Lock)"
            Import-Module {{manifest}}
            "CONNECTIONS-AFTER-IMPORT $(@(Get-SalesSyncConnection).Count)"
            $c = Connect-SalesSync -FromEnvironment -Database {{Quote(database)}}
            "RECONNECTED $($c.IsActive)"
            """;
        var (exit, output) = RunPwsh(script);
        Assert.True(exit == 0, output);
        Assert.Contains("LOCK-WHILE-CONNECTED held", output);
        Assert.Contains("LOCK-AFTER-REMOVE free", output);
        Assert.Contains("CONNECTIONS-AFTER-IMPORT 0", output);
        Assert.Contains("RECONNECTED True", output);
    }
}
