using SalesSync.Sandbox;
using SalesSync.Sandbox.Infrastructure;

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

// Run until Ctrl+C or SIGTERM; with --exit-on-stdin-close also when the parent closes our stdin,
// so a test or demo that dies does not leave the sandbox behind.
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
if (options.ExitOnStdinClose)
{
    _ = Task.Run(() =>
    {
        try { while (Console.In.ReadLine() is not null) { } } catch (IOException) { }
        stop.TrySetResult();
    });
}
await stop.Task;
return 0;
