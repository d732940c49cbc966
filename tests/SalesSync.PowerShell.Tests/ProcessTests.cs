using System.Diagnostics;
using System.Text;

namespace SalesSync.PowerShell.Tests;

/// <summary>What only real, separate processes show: the cross-process database lock and dependency isolation.</summary>
[Collection(ModuleCollection.Name)]
public sealed class ProcessTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IDisposable
{
    public void Dispose() => ModuleHost.DisconnectAll();

    /// <summary>Runs a script in a child pwsh (the pinned tool), credentials passed in its environment only.</summary>
    private (int ExitCode, string Output) RunPwsh(string script, SalesSync.Sandbox.SandboxHost? host = null, bool withSalesforce = false)
    {
        using var process = StartPwsh(script, host, withSalesforce);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The child pwsh did not finish in 2 minutes.");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult() + stderr.GetAwaiter().GetResult());
    }

    private Process StartPwsh(string script, SalesSync.Sandbox.SandboxHost? host = null, bool withSalesforce = false)
    {
        host ??= sandbox.Host;
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
        psi.Environment["SALESSYNC_MARKETO_URI"] = host.MarketoUri.ToString();
        psi.Environment["SALESSYNC_MARKETO_CLIENT_ID"] = host.State.Marketo.ClientId;
        psi.Environment["SALESSYNC_MARKETO_CLIENT_SECRET"] = host.State.Marketo.ClientSecret;
        if (withSalesforce)
        {
            psi.Environment["SALESSYNC_UNKNOWN_OUTCOME_GRACE_SECONDS"] = "0"; // the sandbox commits at once
            psi.Environment["SALESSYNC_SALESFORCE_URI"] = host.SalesforceUri.ToString();
            psi.Environment["SALESSYNC_SALESFORCE_CLIENT_ID"] = host.State.Salesforce.ClientId;
            psi.Environment["SALESSYNC_SALESFORCE_CLIENT_SECRET"] = host.State.Salesforce.ClientSecret;
        }
        psi.Environment["NO_COLOR"] = "1";
        var process = Process.Start(psi)!;
        process.StandardInput.Close();
        return process;
    }

    [Fact]
    public async Task ABulkSyncKilledWithSigkillResumesWithoutExportingAFinishedWindowAgain()
    {
        await using var host = await SalesSync.Sandbox.SandboxHost.StartAsync("--people", "3000", "--seed", "17", "--history-years", "1",
            "--bulk-processing-seconds", "1", "--bulk-status-refresh-seconds", "0.5");
        var database = ModuleHost.TempDatabase();
        var module = Quote(Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1"));
        var pidFile = database + ".pid";
        var sync = $"$PID | Set-Content {Quote(pidFile)}; Import-Module {module}; Connect-SalesSync -FromEnvironment -Database {Quote(database)} | Out-Null; " +
                   "Start-SalesSync -Method Bulk -ExportPollSeconds 1 -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { 'VERBOSE: ' + $_.Message } else { 'RUN ' + $_.RunId + ' ' + $_.Status } }; " +
                   "'PEOPLE ' + @(Get-SyncedPerson).Count";
        int Calls(System.Text.Json.Nodes.JsonNode stats, string key) => stats["marketo"]!["calls"]![key]?.GetValue<int>() ?? 0;
        const string Creates = "POST /bulk/v1/leads/export/create.json";

        // kill -9 once three windows are applied (the child says so in -Verbose): no Stopped status, files and jobs left behind.
        using (var killed = StartPwsh(sync, host))
        {
            var seen = new System.Text.StringBuilder();
            var applied = 0;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (applied < 3 && await killed.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.AppendLine(line);
                if (line.Contains("VERBOSE: Applied ", StringComparison.Ordinal)) applied++;
            }
            Assert.True(applied == 3, seen.ToString());
            // SIGKILL to pwsh itself (`dotnet pwsh` runs it two processes down), then to the launcher.
            using (var pwsh = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture))) pwsh.Kill();
            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();
        }
        var atKill = await StatsAsync(host);
        var createsAtKill = Calls(atKill, Creates);

        var (exit, output) = RunPwsh(sync, host);
        Assert.True(exit == 0, output);
        Assert.True(output.Contains("Resuming sync run 1 (Running)", StringComparison.Ordinal), $"at the kill: {atKill["marketo"]!["calls"]!.ToJsonString()}\n{output}");
        Assert.Contains("RUN 1 Completed", output);
        var windows = int.Parse(System.Text.RegularExpressions.Regex.Match(output, @"Bulk export in (\d+) createdAt windows").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(windows, Calls(await StatsAsync(host), Creates)); // one job per window: none exported again
        Assert.True(createsAtKill < windows, $"the kill came after every window was queued ({createsAtKill} of {windows})");
        int eligible;
        lock (host.State.World.Sync)
            eligible = host.State.World.People.Count(p => p["sfdcType"] is "Lead" or "Contact" && p["sfdcLeadOwnerId"] is string { Length: > 0 });
        Assert.Contains($"PEOPLE {eligible}", output);
    }

    [Fact]
    public async Task ActivitiesSentWhenTheSenderIsKilledWithSigkillArriveExactlyOnceAfterARerun()
    {
        await using var host = await SalesSync.Sandbox.SandboxHost.StartAsync("--people", "1000", "--seed", "19", "--response-times", "realistic", "--time-scale", "4");
        var database = ModuleHost.TempDatabase();
        var module = Quote(Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1"));
        var pidFile = database + ".pid";
        var connect = $"Import-Module {module}; Connect-SalesSync -FromEnvironment -Database {Quote(database)} | Out-Null; ";
        var (setupExit, setup) = RunPwsh(connect + "Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null; Install-SalesActivityType -Confirm:$false | Out-Null; 'READY'", host, withSalesforce: true);
        Assert.True(setupExit == 0 && setup.Contains("READY", StringComparison.Ordinal), setup);

        // Activities go 300 per call, each call ~0.3 s here: the sender is killed once two calls have been made.
        // Each row's number is appended to a file once Send-SalesActivity has taken it (the pipeline is synchronous:
        // the upstream script goes on only after the downstream ProcessRecord returned), so the file lists accepted rows.
        var acceptedFile = database + ".accepted";
        var send = $"$PID | Set-Content {Quote(pidFile)}; " + connect +
                   "$people = @(Get-SyncedPerson); 0..2999 | ForEach-Object { [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $people[$_ % $people.Count].MarketoId; Subject = \"Note $_\" }; " +
                   $"[IO.File]::AppendAllText({Quote(acceptedFile)}, \"$_`n\") }} | Send-SalesActivity";
        const string Adds = "POST /rest/v1/activities/external.json";
        int Calls(System.Text.Json.Nodes.JsonNode stats) => stats["marketo"]!["calls"]![Adds]?.GetValue<int>() ?? 0;
        using (var killed = StartPwsh(send, host, withSalesforce: true))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (Calls(await StatsAsync(host)) < 2 && !killed.HasExited && DateTime.UtcNow < deadline) await Task.Delay(10);
            Assert.False(killed.HasExited, "the sender finished before it could be killed");
            using (var pwsh = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture))) pwsh.Kill();
            killed.Kill(entireProcessTree: true);
            await killed.WaitForExitAsync();
        }

        // The killed sender's group-commit journal is left behind (rows accepted since its last commit are only there);
        // the rerun stores them and removes it.
        var journals = Directory.GetFiles(Path.GetDirectoryName(database)!, Path.GetFileName(database) + ".accepting-*.jsonl");
        Assert.Single(journals);
        var (exit, output) = RunPwsh(connect + "Sync-SalesActivity | Out-Null; Get-SalesActivity | ForEach-Object { 'ID ' + $_.ActivityId + ' ' + $_.MarketoState + ' ' + $_.SalesforceState + ' ' + $_.Subject }; " +
                                     "$people = @(Get-SyncedPerson); $people | ForEach-Object { 'PERSON ' + $_.MarketoId + ' ' + $_.Unsubscribed }", host, withSalesforce: true);
        Assert.True(exit == 0, output);
        Assert.False(File.Exists(journals[0]), "the rerun did not take up the killed sender's journal");
        var stored = System.Text.RegularExpressions.Regex.Matches(output, @"ID (SS-\w+) (\w+) (\w+) Note (\d+)").Select(m => (Id: m.Groups[1].Value, State: m.Groups[2].Value, Salesforce: m.Groups[3].Value, Row: int.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.NotEmpty(stored);
        // Nothing accepted was lost to the kill: every row Send-SalesActivity had taken is stored, the ones the send
        // guard refused (the person is unsubscribed) as Refused; rows held for their check at the kill were checked by the rerun.
        var people = System.Text.RegularExpressions.Regex.Matches(output, @"PERSON (\d+) (\w+)").Select(m => (Id: long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Unsubscribed: m.Groups[2].Value == "True")).ToList();
        var accepted = File.ReadAllLines(acceptedFile).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(accepted.Count >= 300, $"only {accepted.Count} rows were accepted before the kill");
        var storedRows = stored.Select(a => a.Row).ToHashSet();
        var lost = accepted.Where(row => !storedRows.Contains(row)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} accepted rows are not stored, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.All(stored, a => Assert.Equal(people[a.Row % people.Count].Unsubscribed ? "Refused" : "Delivered", a.State));
        Assert.All(stored, a => Assert.True(a.Salesforce is "Delivered" or "NotRequired" or "Refused", $"{a.Id}: Salesforce {a.Salesforce}"));
        stored = stored.Where(a => a.State == "Delivered").ToList();
        using var http = new HttpClient();
        var log = await http.GetStringAsync(new Uri(host.ControlUri, "activities?typeId=100001"));
        var inMarketo = log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "SalesSync Activity ID")!["value"]!.GetValue<string>())
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stored.Select(a => a.Id).Order(), inMarketo.Keys.Order()); // every stored activity arrived, nothing else did
        Assert.All(inMarketo, p => Assert.Equal(1, p.Value)); // and exactly once
        var tasks = (await http.GetStringAsync(new Uri(host.ControlUri, "salesforce/Task"))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!["Subject"]!.GetValue<string>()).Select(subject => subject[(subject.LastIndexOf('[') + 1)..^1])
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stored.Where(a => a.Salesforce == "Delivered").Select(a => a.Id).Order(), tasks.Keys.Order());
        Assert.All(tasks, p => Assert.Equal(1, p.Value));
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> StatsAsync(SalesSync.Sandbox.SandboxHost host)
    {
        using var http = new HttpClient();
        return System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!;
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
            $c = Connect-SalesSync -FromEnvironment -Database {{Quote(ModuleHost.TempDatabase())}} -PassThru
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
            $c = Connect-SalesSync -FromEnvironment -Database {{Quote(database)}} -PassThru
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
