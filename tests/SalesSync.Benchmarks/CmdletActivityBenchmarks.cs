using System.Diagnostics;
using System.Globalization;
using System.Text;
using SalesSync.Sandbox;

namespace SalesSync.Benchmarks;

/// <summary>
/// The cmdlet path itself, as an admin runs it: 10,000 CSV-like rows piped into Send-SalesActivity in a child
/// pwsh (parameter binding, checks, the send guard, storing, delivery), the sandbox's limits off. Prints
/// activities per second and Marketo (and Salesforce) calls per 1,000 activities.
/// </summary>
internal static class CmdletActivityBenchmarks
{
    public static async Task RunAsync(int count)
    {
        Console.WriteLine($"\nSend-SalesActivity, the cmdlet path: {count:N0} piped rows in a child pwsh, --limits off");
        await using var host = await SandboxHost.StartAsync("--people", "5000", "--limits", "off");
        var folder = Path.Combine(Path.GetTempPath(), "salessync-bench-cmdlet-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var database = Quote(Path.Combine(folder, "bench.db"));
            var module = Quote(Path.Combine(Bench.RepoRoot(), "SalesSync.psd1"));
            var connect = $"$ErrorActionPreference = 'Stop'; Import-Module {module}; Connect-SalesSync -FromEnvironment -Database {database} | Out-Null; ";
            // The rows are built before the clock starts: the figure is Send-SalesActivity's, not the row generator's.
            // Eight kinds in turn, as in the engine's benchmark; sent emails go through the unsubscribe guard.
            var script = connect +
                "Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null; Install-SalesActivityType -Confirm:$false | Out-Null; " +
                "$ids = @(Get-SyncedPerson | ForEach-Object MarketoId); " +
                "$kinds = 'EmailSent','EmailOpened','EmailClicked','EmailReplied','EmailBounced','CallReceived','AddedToCampaign','RemovedFromCampaign'; " +
                $"$rows = foreach ($i in 0..{count - 1}) {{ $k = $kinds[$i % 8]; [pscustomobject]@{{ Kind = $k; MarketoId = $ids[$i % $ids.Count]; " +
                "Subject = if ($k -notin 'CallReceived','AddedToCampaign','RemovedFromCampaign') { \"Follow-up $i\" } else { $null }; " +
                "Link = if ($k -eq 'EmailClicked') { 'https://example.com/offer' } else { $null }; " +
                "CallStatus = if ($k -eq 'CallReceived') { 'Completed' } else { $null }; " +
                "CampaignName = if ($k -like '*Campaign') { 'Q4 Outreach' } else { $null } } }; " +
                "$stats = { $s = Invoke-RestMethod \"$env:BENCH_CONTROL_URI`stats\"; [pscustomobject]@{ M = $s.marketo.totalCalls; S = $s.salesforce.totalCalls } }; " +
                "$before = & $stats; $cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime; $sw = [Diagnostics.Stopwatch]::StartNew(); " +
                "$rows | Send-SalesActivity -ErrorAction SilentlyContinue -ErrorVariable failed -InformationAction SilentlyContinue; $sw.Stop(); " +
                "$cpu = ([Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime - $cpu).TotalSeconds; $after = & $stats; " +
                "'RESULT {0} {1} {2} {3} {4} {5}' -f $sw.Elapsed.TotalSeconds.ToString([cultureinfo]::InvariantCulture), ($after.M - $before.M), ($after.S - $before.S), $failed.Count, $cpu.ToString([cultureinfo]::InvariantCulture), (Get-SalesActivity -State Delivered -Destination Marketo -IncludeTotalCount -First 0).ToString()";
            var (exit, output) = await RunPwshAsync(script, host);
            var result = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
            if (exit != 0 || result is null)
            {
                Console.WriteLine($"  failed (exit {exit}): {output.Trim()}");
                return;
            }
            var parts = result.Split(' ');
            var seconds = double.Parse(parts[1], CultureInfo.InvariantCulture);
            var marketoCalls = int.Parse(parts[2], CultureInfo.InvariantCulture);
            var salesforceCalls = int.Parse(parts[3], CultureInfo.InvariantCulture);
            var cpu = double.Parse(parts[5], CultureInfo.InvariantCulture);
            // The child's CPU seconds are the steadier figure on a shared machine (the sandbox runs in this process).
            Console.WriteLine($"  {count / seconds,8:N0} activities/s ({seconds:N1} s wall), {count / cpu:N0} per CPU second of the pwsh ({cpu:N1} s); " +
                              $"per 1,000 activities: {marketoCalls * 1000.0 / count:N1} Marketo calls, {salesforceCalls * 1000.0 / count:N1} Salesforce calls; {parts[4]} per-item errors (guard refusals); {string.Join(' ', parts[6..])}");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A child `dotnet pwsh` (the pinned tool) with the connection in its environment only.</summary>
    private static async Task<(int ExitCode, string Output)> RunPwshAsync(string script, SandboxHost host)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Bench.RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-EncodedCommand", Convert.ToBase64String(Encoding.Unicode.GetBytes(script)) })
            psi.ArgumentList.Add(a);
        psi.Environment["SALESSYNC_MARKETO_URI"] = host.MarketoUri.ToString();
        psi.Environment["SALESSYNC_MARKETO_CLIENT_ID"] = host.State.Marketo.ClientId;
        psi.Environment["SALESSYNC_MARKETO_CLIENT_SECRET"] = host.State.Marketo.ClientSecret;
        psi.Environment["SALESSYNC_SALESFORCE_URI"] = host.SalesforceUri.ToString();
        psi.Environment["SALESSYNC_SALESFORCE_CLIENT_ID"] = host.State.Salesforce.ClientId;
        psi.Environment["SALESSYNC_SALESFORCE_CLIENT_SECRET"] = host.State.Salesforce.ClientSecret;
        psi.Environment["BENCH_CONTROL_URI"] = host.ControlUri.ToString();
        psi.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Quote(string s) => "'" + s.Replace("'", "''") + "'";
}
