using System.Diagnostics;
using System.Text.Json.Nodes;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>The sandbox's world generation, the sustained Marketo call rate against --limits real, and the client's overhead per call.</summary>
internal static class MarketoCallBenchmarks
{
    public static void WorldGeneration()
    {
        var watch = Stopwatch.StartNew();
        var world = WorldGenerator.Generate(100_000, 1);
        Console.WriteLine($"\n[sandbox] generated {world.PeopleCount:N0} people + {world.Salesforce.Count("Lead") + world.Salesforce.Count("Contact"):N0} Salesforce leads/contacts in {watch.Elapsed.TotalSeconds:0.00} s ({world.PeopleCount / watch.Elapsed.TotalSeconds:N0} people/s)");
    }

    public static async Task SustainedRate(MarketoLimitSettings limits, string label, int seconds)
    {
        await using var host = await SandboxHost.StartAsync("--people", "2000", "--limits", "real");
        using var client = NewClient(host, limits);
        using var http = new HttpClient();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var completed = 0;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 20).Select(async w =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await client.GetAsync("rest/v1/leads.json", [new("filterType", "id"), new("filterValues", ((w * 97 + n++) % 2000 + 1).ToString())], stop.Token);
                    Interlocked.Increment(ref completed);
                }
                catch (OperationCanceledException) { break; }
                catch (SalesSyncApiException) { Interlocked.Increment(ref failures); }
            }
        });
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed.TotalSeconds;
        var stats = JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!;
        var errors = stats["errors"]!.AsObject();
        Console.WriteLine($"\n[marketo rate, {label}] {seconds} s run against --limits real (instance ceiling 100 calls/20 s, 10 in flight)");
        // The gate lets a window's share through at once, then refills it 22/20 of a window later; count per refill period.
        var refill = limits.Window.TotalSeconds * 22 / 20;
        var periods = Math.Ceiling(elapsed / refill);
        var sustained = completed / periods / refill * 20;
        Console.WriteLine($"  calls completed: {completed:N0} in {elapsed:0.0} s over {periods} refill periods of {refill:0} s = {sustained:0.0} calls per 20 s sustained ({sustained / 100:P0} of the ceiling, {sustained / limits.CallsPerWindow:P0} of the configured share)");
        Console.WriteLine($"  busiest 20 s window seen by the server: {stats["peakCallsInRateWindow"]} calls ({stats["peakCallsInRateWindow"]!.GetValue<int>() / 100.0:P0} of the ceiling)");
        Console.WriteLine($"  peak in flight seen by the server: {stats["peakInFlight"]}; errors issued: 606={errors["606"]?.ToString() ?? "0"}, 615={errors["615"]?.ToString() ?? "0"}; client failures: {failures}");
    }

    public static async Task Overhead()
    {
        await using var host = await SandboxHost.StartAsync("--people", "2000", "--limits", "off");
        using var http = new HttpClient();
        var tokenJson = JsonNode.Parse(await http.GetStringAsync($"{host.MarketoUri}identity/oauth/token?grant_type=client_credentials&client_id={host.State.Marketo.ClientId}&client_secret={host.State.Marketo.ClientSecret}"))!;
        var token = tokenJson["access_token"]!.GetValue<string>();
        const int batches = 20;
        const int perBatch = 100; // one window's worth: a fresh gate never makes these wait, so the figure is the machinery's cost
        var limits = new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 };
        for (var i = 0; i < 200; i++) await RawAsync(http, host, token); // warm-up
        var raw = Stopwatch.StartNew();
        for (var i = 0; i < batches * perBatch; i++) await RawAsync(http, host, token);
        raw.Stop();
        var engine = new Stopwatch();
        for (var b = 0; b <= batches; b++)
        {
            using var fresh = NewClient(host, limits);
            await fresh.AuthenticateAsync(CancellationToken.None);
            if (b > 0) engine.Start(); // batch 0 warms up
            for (var i = 0; i < perBatch; i++) await fresh.GetAsync("rest/v1/leads.json", [new("filterType", "id"), new("filterValues", "1")], CancellationToken.None);
            engine.Stop();
        }
        const int calls = batches * perBatch;
        using var client = NewClient(host, limits);
        var rawUs = raw.Elapsed.TotalMicroseconds / calls;
        var engineUs = engine.Elapsed.TotalMicroseconds / calls;
        Console.WriteLine($"\n[marketo client overhead, --limits off] {calls:N0} sequential calls");
        Console.WriteLine($"  raw HttpClient: {rawUs:0} us/call; SalesSync client (gate, budget, token, retry pipeline, envelope parse): {engineUs:0} us/call");
        Console.WriteLine($"  overhead: {engineUs - rawUs:0} us/call ({engineUs / rawUs:0.00}x the raw call)");

        var members = 0;
        var before = JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!["totalCalls"]!.GetValue<int>();
        await foreach (var _ in client.GetStaticListMembersAsync(WorldGenerator.SalesOwnedListId, ["id", "email", "sfdcLeadOwnerId"], CancellationToken.None)) members++;
        var after = JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!["totalCalls"]!.GetValue<int>();
        Console.WriteLine($"  static list paging: {members:N0} members in {after - before} calls = {(after - before) * 1000.0 / Math.Max(1, members):0.00} calls per 1,000 records");
    }

    private static async Task RawAsync(HttpClient http, SandboxHost host, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.MarketoUri, "rest/v1/leads.json?filterType=id&filterValues=1"));
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
    }

    private static MarketoClient NewClient(SandboxHost host, MarketoLimitSettings limits) => new(new MarketoClientOptions
    {
        BaseUri = host.MarketoUri,
        ClientId = host.State.Marketo.ClientId,
        ClientSecret = new Secret(host.State.Marketo.ClientSecret),
        Limits = limits,
    }, new MarketoRateGate(limits));
}
