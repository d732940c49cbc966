using System.Runtime.InteropServices;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Infrastructure;

// A parent that starts us in the background from a script (no job control) hands us SIGINT and SIGQUIT
// ignored, and .NET keeps ignored signals ignored. A sandbox is stopped by its parent with these signals,
// so put back their default before the runtime looks at them; we handle them below.
StopSignals.RestoreDefaults();

SandboxOptions options;
try
{
    options = SandboxOptions.Parse(args);
}
catch (SandboxHelpRequestedException)
{
    Console.WriteLine(SandboxOptions.Usage);
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SandboxOptions.Usage);
    return 2;
}

await using var host = await SandboxHost.StartAsync(options);
Console.WriteLine(host.ReadyLine());
Console.Out.Flush();

// Run until SIGTERM, SIGINT (Ctrl+C) or SIGQUIT; with --exit-on-stdin-close also when the parent closes
// our stdin, so a test or demo that dies does not leave the sandbox behind. The listeners are started,
// never run, so nothing else turns these signals into an exit: each one only cancels the default action
// and asks the host to stop (ASP.NET Core's console lifetime does the same, which host.Stopping sees).
var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var signals = new List<PosixSignalRegistration>();
foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
{
    try
    {
        signals.Add(PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true; // exit through the orderly path below, with exit code 0
            stop.TrySetResult();
        }));
    }
    catch (PlatformNotSupportedException) { }
}
using var stopping = host.Stopping.Register(() => stop.TrySetResult());
if (options.ExitOnStdinClose)
{
    _ = Task.Run(() =>
    {
        try { while (Console.In.ReadLine() is not null) { } } catch (IOException) { }
        stop.TrySetResult();
    });
}
await stop.Task;
foreach (var registration in signals) registration.Dispose();
return 0;

internal static class StopSignals
{
    private const int SigInt = 2, SigQuit = 3; // the same on Linux, macOS and the BSDs

    public static void RestoreDefaults()
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            signal(SigInt, IntPtr.Zero); // SIG_DFL
            signal(SigQuit, IntPtr.Zero);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
    }

    [DllImport("libc")]
    private static extern IntPtr signal(int signum, IntPtr handler);
}
