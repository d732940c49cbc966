using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SalesSync.Sandbox.Control;
using SalesSync.Sandbox.Infrastructure;
using SalesSync.Sandbox.Marketo;
using SalesSync.Sandbox.Salesforce;

namespace SalesSync.Sandbox;

/// <summary>
/// Runs the sandbox: Marketo, Salesforce and the control API as three listeners on separate ports
/// (real instances are separate hosts), over one shared <see cref="SandboxState"/>. Usable in-process
/// (xunit) or from Program.
/// </summary>
public sealed class SandboxHost : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);
    private readonly List<WebApplication> _apps = [];
    private readonly CancellationTokenSource _stopping = new();

    private SandboxHost(SandboxState state) => State = state;

    /// <summary>
    /// Cancelled when any of the three listeners is asked to stop (e.g. by its host lifetime on SIGTERM),
    /// so whoever runs the sandbox can shut the whole of it down.
    /// </summary>
    public CancellationToken Stopping => _stopping.Token;

    public SandboxState State { get; }
    public Uri MarketoUri { get; private set; } = null!;
    public Uri SalesforceUri { get; private set; } = null!;
    public Uri ControlUri { get; private set; } = null!;

    public static async Task<SandboxHost> StartAsync(SandboxOptions options, CancellationToken cancellationToken = default)
    {
        var host = new SandboxHost(new SandboxState(options));
        try
        {
            host.MarketoUri = await host.StartAppAsync(options, 0, app => MarketoApi.Map(app, host.State), cancellationToken);
            host.SalesforceUri = await host.StartAppAsync(options, 1, app => SalesforceApi.Map(app, host.State), cancellationToken);
            host.ControlUri = await host.StartAppAsync(options, 2, app => ControlApi.Map(app, host.State), cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    public static Task<SandboxHost> StartAsync(params string[] args) => StartAsync(SandboxOptions.Parse(args));

    private async Task<Uri> StartAppAsync(SandboxOptions options, int portOffset, Action<WebApplication> map, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var port = options.Port == 0 ? 0 : options.Port + portOffset;
        builder.WebHost.UseUrls($"http://{options.BindAddress}:{port}");
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Larger than the emulated limits, so the sandbox (not Kestrel) answers 414/413 as the real services do.
            k.Limits.MaxRequestLineSize = 64 * 1024;
            k.Limits.MaxRequestBufferSize = 128 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 96 * 1024;
            k.Limits.MaxRequestBodySize = 4 * 1024 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        var app = builder.Build();
        // Responses carry the sandbox clock's time as their HTTP Date, as a real service's Date is its own clock (clients
        // take watermarks on it); Kestrel's own would be the wall clock, wrong once the sandbox clock was moved.
        app.Use((ctx, next) =>
        {
            ctx.Response.OnStarting(() =>
            {
                ctx.Response.Headers.Date = State.Clock.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            });
            return next(ctx);
        });
        map(app);
        _apps.Add(app);
        await app.StartAsync(ct);
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            try { _stopping.Cancel(); } catch (ObjectDisposedException) { }
        });
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>The one line printed on stdout when ready.</summary>
    public string ReadyLine() => JsonSerializer.Serialize(new
    {
        marketo = new { uri = MarketoUri.ToString(), clientId = State.Marketo.ClientId, clientSecret = State.Marketo.ClientSecret },
        salesforce = new { uri = SalesforceUri.ToString(), clientId = State.Salesforce.ClientId, clientSecret = State.Salesforce.ClientSecret },
        control = ControlUri.ToString(),
    });

    public async ValueTask DisposeAsync()
    {
        // Let requests held by delay faults go on, then give in-flight requests a bounded grace period.
        State.Faults.Clear();
        foreach (var app in _apps)
        {
            using var grace = new CancellationTokenSource(ShutdownTimeout);
            try { await app.StopAsync(grace.Token); } catch (OperationCanceledException) { }
            await app.DisposeAsync();
        }
        _apps.Clear();
        State.BulkExports.Dispose();
        _stopping.Dispose();
    }
}
