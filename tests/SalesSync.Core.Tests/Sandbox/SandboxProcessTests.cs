using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>A fact that runs only where POSIX signals exist.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "POSIX signals only.";
    }
}

/// <summary>The built sandbox, run as a real child process, stops promptly and cleanly on SIGTERM and SIGINT.</summary>
public class SandboxProcessTests
{
    private const int SigInt = 2, SigQuit = 3, SigTerm = 15; // the same on Linux and macOS

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [UnixFact]
    public Task SigTermStopsTheSandbox() => StopsOn(SigTerm);

    [UnixFact]
    public Task SigIntStopsTheSandbox() => StopsOn(SigInt);

    [UnixFact]
    public Task SigQuitStopsTheSandbox() => StopsOn(SigQuit);

    /// <summary>A script that starts the sandbox in the background hands it SIGINT and SIGQUIT ignored.</summary>
    [UnixFact]
    public Task SigIntStopsTheSandboxEvenWhenStartedWithItIgnored() => StopsOn(SigInt, startedIgnoringInterrupts: true);

    private static async Task StopsOn(int signal, bool startedIgnoringInterrupts = false)
    {
        var psi = new ProcessStartInfo(startedIgnoringInterrupts ? "/bin/sh" : "dotnet")
        {
            RedirectStandardInput = true, // with --exit-on-stdin-close: a crashed test host leaves nothing behind
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // sh: ignore the two, then exec (same pid) dotnet with them still ignored.
        if (startedIgnoringInterrupts) foreach (var arg in new[] { "-c", "trap '' INT QUIT; exec \"$0\" \"$@\"", "dotnet" }) psi.ArgumentList.Add(arg);
        foreach (var arg in new[] { SandboxDll(), "--people", "50", "--exit-on-stdin-close" }) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        try
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string? ready;
            try { ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90)); }
            catch (TimeoutException) { ready = null; }
            Assert.True(ready is not null, "no ready line; stderr: " + (process.HasExited ? await stderr : "(still running)"));
            var info = JsonNode.Parse(ready!)!;
            Assert.NotNull(info["marketo"]!["uri"]);
            Assert.NotNull(info["control"]);

            Assert.Equal(0, SendSignal(process.Id, signal));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try { await process.WaitForExitAsync(limit.Token); }
            catch (OperationCanceledException) { Assert.Fail($"The sandbox was still running 10 s after signal {signal}."); }
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
    }

    /// <summary>The sandbox built with this test assembly's configuration (Release unless found otherwise).</summary>
    private static string SandboxDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var root = dir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SalesSync.PowerShell.sln"))) root = root.Parent;
        Assert.True(root is not null, "repository root (SalesSync.PowerShell.sln) not found above " + AppContext.BaseDirectory);
        // AppContext.BaseDirectory is …/bin/<Configuration>/<tfm>/.
        var configuration = dir.Parent?.Name ?? "Release";
        foreach (var candidate in new[] { configuration, "Release" })
        {
            var dll = Path.Combine(root!.FullName, "src", "SalesSync.Sandbox", "bin", candidate, "net10.0", "SalesSync.Sandbox.dll");
            if (File.Exists(dll)) return dll;
        }
        Assert.Fail("The sandbox is not built: src/SalesSync.Sandbox/bin/Release/net10.0/SalesSync.Sandbox.dll");
        return null!;
    }
}
