using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Sales activities end to end (check, store, deliver to Marketo 300 per call and Salesforce 200 per call):
/// activities per second with the sandbox's limits off and real, and calls per 1,000 activities per service.
/// </summary>
internal static class ActivityBenchmarks
{
    public static async Task RunAsync(int activities)
    {
        await RunAsync(activities, "off");
        await RunAsync(activities, "real");
    }

    private static async Task RunAsync(int count, string limits)
    {
        await using var host = await SandboxHost.StartAsync("--people", "5000", "--limits", limits);
        var folder = Path.Combine(Path.GetTempPath(), "salessync-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, Path.Combine(folder, "bench.db")), CancellationToken.None);
            await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, CancellationToken.None)) { }
            await session.InstallActivityTypesAsync(false, CancellationToken.None);
            var people = session.GetPeople(PersonQuery.All).ToList();
            using var http = new HttpClient();
            async Task<(int Marketo, int Salesforce)> CallsAsync()
            {
                var stats = JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!;
                return (stats["marketo"]!["totalCalls"]!.GetValue<int>(), stats["salesforce"]!["totalCalls"]!.GetValue<int>());
            }
            var before = await CallsAsync();
            var kinds = Enum.GetValues<SalesActivityKind>();
            var cpu = CpuWatch.Start();
            var logger = session.CreateActivityLogger();
            var batch = new List<SalesActivity>(ActivityLogger.BatchSize);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < count; i++)
            {
                var kind = kinds[i % kinds.Length];
                var attributes = new Dictionary<string, string?>
                {
                    ["subject"] = kind is SalesActivityKind.CallReceived or SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign ? null : $"Follow-up {i}",
                    ["link"] = kind == SalesActivityKind.EmailClicked ? "https://example.com/offer" : null,
                    ["callStatus"] = kind == SalesActivityKind.CallReceived ? "completed" : null,
                    ["campaignName"] = kind is SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign ? "Q4 Outreach" : null,
                };
                batch.Add(logger.Prepare(new ActivityRequest { Kind = kind, MarketoId = people[i % people.Count].MarketoId, Attributes = attributes }, now));
                if (batch.Count == ActivityLogger.BatchSize)
                {
                    await logger.AddAsync(batch, CancellationToken.None);
                    batch.Clear();
                }
            }
            await logger.AddAsync(batch, CancellationToken.None);
            var report = await logger.FlushAsync(CancellationToken.None);
            var (cpuSeconds, wallSeconds) = cpu.Stop();
            var wall = TimeSpan.FromSeconds(wallSeconds);
            var after = await CallsAsync();
            var toSalesforce = session.GetActivities(new Core.Store.ActivityQuery { SalesforceState = DeliveryState.Delivered }).Count();
            Console.WriteLine($"\n[sales activities, {count:N0} of all eight kinds for {people.Count:N0} synced people, sandbox --limits {limits}, client at 100 calls/20 s]");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  end to end (check, store, deliver): {wall.TotalSeconds:0.0} s = {count / wall.TotalSeconds:N0} activities/s; client+sandbox CPU {cpuSeconds:0.0} s; {report.StillPending} left pending"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  Marketo: {after.Marketo - before.Marketo} calls = {(after.Marketo - before.Marketo) * 1000.0 / count:0.00} per 1,000 activities (ceil({count}/300) = {(count + 299) / 300} adds, plus the type check); Salesforce: {after.Salesforce - before.Salesforce} calls for {toSalesforce:N0} tasks = {(after.Salesforce - before.Salesforce) * 1000.0 / Math.Max(1, toSalesforce):0.00} per 1,000 tasks (ceil(n/200) = {(toSalesforce + 199) / 200} creates, plus converted-lead lookups)"));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
