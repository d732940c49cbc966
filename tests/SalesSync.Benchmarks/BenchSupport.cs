using System.Diagnostics;
using System.Globalization;
using SalesSync.Core.Store;

namespace SalesSync.Benchmarks;

/// <summary>A folder under the system temp folder, removed with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "salessync-bench-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Process CPU time and wall time over a region; CPU is the steadier figure on a shared machine.</summary>
internal readonly struct CpuWatch
{
    private readonly TimeSpan _cpu;
    private readonly long _wall;

    private CpuWatch(TimeSpan cpu, long wall) => (_cpu, _wall) = (cpu, wall);

    public static CpuWatch Start() => new(Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());

    public (double CpuSeconds, double WallSeconds) Stop() =>
        ((Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalSeconds, Stopwatch.GetElapsedTime(_wall).TotalSeconds);
}

internal static class Bench
{
    /// <summary>The repository root (the folder holding SalesSync.PowerShell.sln), found upwards from the binary or the current folder.</summary>
    public static string RepoRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "SalesSync.PowerShell.sln"))) return dir.FullName;
        throw new InvalidOperationException($"SalesSync.PowerShell.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}: run from the repository.");
    }

    /// <summary>A fresh SalesSync database opened the way a session opens it (registry, lock, marker); dispose to close.</summary>
    public static StoreLease OpenStore(string path) => StoreRegistry.Open(path, "bench.mktorest.invalid", password: null);

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>Connection settings for an in-process sandbox, the client at the instance maximum (100 calls/20 s, 10 in flight).</summary>
    public static SalesSync.Core.Connection.ConnectionSettings Settings(SalesSync.Sandbox.SandboxHost host, string databasePath, bool salesforce = true) => new()
    {
        MarketoUri = host.MarketoUri,
        MarketoClientId = host.State.Marketo.ClientId,
        MarketoClientSecret = new SalesSync.Core.Http.Secret(host.State.Marketo.ClientSecret),
        SalesforceUri = salesforce ? host.SalesforceUri : null,
        SalesforceClientId = salesforce ? host.State.Salesforce.ClientId : null,
        SalesforceClientSecret = salesforce ? new SalesSync.Core.Http.Secret(host.State.Salesforce.ClientSecret) : null,
        DatabasePath = databasePath,
        MarketoLimits = new SalesSync.Core.Marketo.MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
    };

    public static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";
}
