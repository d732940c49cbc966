using System.Text.Json.Nodes;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// The source planner: its estimates and choice are pure functions of the facts (tested without a sandbox), and the
/// survey reads those facts from an instance in a handful of calls.
/// </summary>
public class SourcePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A fresh instance like the sandbox's default world: people created over ten years, ids without gaps, ~40% sales-owned.</summary>
    private static SourceFacts Instance(long people, double years = 10) => new()
    {
        Now = Now,
        ClientDailyBudget = 10_000,
        ClientCallsToday = 1,
        InstanceCallsToday = 1,
        BulkMegabytesToday = 0,
        OldestCreatedAt = Now.AddDays(-365.25 * years),
        SampleIds = 300,
        SampleLiving = 300,
        SampleSalesOwned = 120,
        HighestId = new HighestIdEvidence(people, Now.AddDays(-30), Calls: 10, Complete: true),
        SalesforceConnected = true,
    };

    [Fact]
    public void AFirstSyncWithoutListsPicksTheIdScanWhichTakesSecondsWhereBulkWindowsTakeHours()
    {
        var plan = SourcePlanner.Plan(Instance(20_000), new SyncOptions { Method = SyncMethod.Auto });

        Assert.Equal([PeopleSource.BulkCreatedAt, PeopleSource.RestIdScan], plan.Candidates.Select(c => c.Source));
        Assert.Equal(PeopleSource.RestIdScan, plan.Chosen.Source);
        var scan = plan.Chosen;
        Assert.Equal(67 + 2, scan.MarketoCalls);                  // 67 blocks of 300 ids, usage and watermark (the end: the survey's evidence)
        Assert.InRange(scan.EstimatedMinutes, 0.3, 1.5);           // the rate limit (50 calls per 20 s) is the ceiling
        var windows = plan.Candidates.Single(c => c.Source == PeopleSource.BulkCreatedAt);
        Assert.InRange(windows.EstimatedMinutes, 300, 600);        // 119 jobs of ~7 minutes, two at a time
        Assert.Equal(20_000 * 300 / 1048576.0, windows.BulkMegabytes, 1);
        Assert.True(windows.MarketoCalls > scan.MarketoCalls);     // ~7 calls a job: not even cheaper here
        Assert.StartsWith("The fastest source that fits the budget of 9,999 Marketo calls (the connection's daily budget", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OneHundredThousandPeopleStayWithinFourMinutesOnTheIdScan()
    {
        var plan = SourcePlanner.Plan(Instance(100_000), new SyncOptions { Method = SyncMethod.Auto, SmartListId = 1001 });
        Assert.Equal(PeopleSource.RestIdScan, plan.Chosen.Source);
        Assert.InRange(plan.Chosen.EstimatedMinutes, 1, 4);
        var smart = plan.Candidates.Single(c => c.Source == PeopleSource.BulkSmartList);
        Assert.InRange(smart.MarketoCalls, 5, 15);                 // create, enqueue, a poll a minute, the file, usage and watermark
        Assert.InRange(smart.EstimatedMinutes, 6, 9);              // ~1 min queued and ~5 min processing on average, seen on 60 s ticks
    }

    [Fact]
    public void ADailyBudgetTooSmallForTheIdScanPicksBulkAndSaysSo()
    {
        var facts = Instance(20_000) with { ClientDailyBudget = 60 };
        var plan = SourcePlanner.Plan(facts, new SyncOptions { Method = SyncMethod.Auto, SmartListId = 1001 });

        Assert.Equal(59, plan.CallBudget);
        Assert.Equal(PeopleSource.BulkSmartList, plan.Chosen.Source);
        Assert.True(plan.Chosen.Fits);
        Assert.False(plan.Candidates.Single(c => c.Source == PeopleSource.RestIdScan).Fits);
        Assert.Contains("the connection's daily budget: 59 of its 60 calls left today", plan.Reason, StringComparison.Ordinal);
        Assert.Contains("faster but over budget: REST id scan (69 calls)", plan.Reason, StringComparison.Ordinal);
        Assert.Equal(new SyncOptions { Method = SyncMethod.Bulk, SmartListId = 1001 }, plan.ApplyTo(new SyncOptions { Method = SyncMethod.Auto, SmartListId = 1001 }));
    }

    [Fact]
    public void TheBudgetIsHalfOfTheInstancesCallsLeftOrMaxApiCallsAndTheClientBudgetCapsBoth()
    {
        var busy = Instance(20_000) with { InstanceCallsToday = 40_000, ClientDailyBudget = 0 };
        Assert.Equal(5_000, SourcePlanner.CallBudget(busy, new SyncOptions()).Budget);
        Assert.Equal(7_000, SourcePlanner.CallBudget(busy, new SyncOptions { MaxApiCalls = 7_000 }).Budget);
        Assert.Equal(10_000, SourcePlanner.CallBudget(busy, new SyncOptions { MaxApiCalls = 20_000 }).Budget); // no more than the instance has left
        Assert.Equal(300, SourcePlanner.CallBudget(busy with { ClientDailyBudget = 800, ClientCallsToday = 500 }, new SyncOptions { MaxApiCalls = 7_000 }).Budget);
        // The instance's use unknown: this process's own count stands in.
        Assert.Equal(24_000, SourcePlanner.CallBudget(busy with { InstanceCallsToday = null, ClientCallsToday = 2_000 }, new SyncOptions()).Budget);
    }

    [Fact]
    public void WhenNothingFitsTheCheapestRunsAndTheReasonSaysWhy()
    {
        var plan = SourcePlanner.Plan(Instance(20_000) with { ClientDailyBudget = 5 }, new SyncOptions { Method = SyncMethod.Auto, StaticListId = 1001 });
        Assert.DoesNotContain(plan.Candidates, c => c.Fits);
        Assert.Equal(plan.Candidates.Min(c => c.MarketoCalls), plan.Chosen.MarketoCalls);
        Assert.StartsWith("No source fits the budget of 4 Marketo calls", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void BulkThatWouldPassTodaysExportAllocationDoesNotFit()
    {
        var plan = SourcePlanner.Plan(Instance(20_000) with { BulkMegabytesToday = 498, ClientDailyBudget = 60 }, new SyncOptions { Method = SyncMethod.Auto, SmartListId = 1001 });
        var smart = plan.Candidates.Single(c => c.Source == PeopleSource.BulkSmartList);
        Assert.False(smart.Fits);
        Assert.Contains("MB of bulk export left today", smart.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void CreatedSinceLeavesOnlyCreatedAtWindowsAndAnExplicitMethodIsObeyed()
    {
        var since = new SyncOptions { Method = SyncMethod.Auto, CreatedSince = Now.AddDays(-60), StaticListId = 1001 };
        var plan = SourcePlanner.Plan(Instance(20_000), since);
        Assert.Equal([PeopleSource.BulkCreatedAt], plan.Candidates.Select(c => c.Source));
        Assert.Equal(2, plan.Candidates[0].Note.Split(' ')[0] switch { var n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(since with { Method = SyncMethod.Bulk, StaticListIds = [] }, plan.ApplyTo(since));

        var rest = SourcePlanner.Plan(Instance(20_000) with { ClientDailyBudget = 10 }, new SyncOptions { Method = SyncMethod.Rest, StaticListId = 1001 });
        Assert.Equal(PeopleSource.RestLists, rest.Chosen.Source);
        Assert.StartsWith("-Method Rest asked for it; it does not fit", rest.Reason, StringComparison.Ordinal);
        var bulk = SourcePlanner.Plan(Instance(20_000), new SyncOptions { Method = SyncMethod.Bulk });
        Assert.Equal(PeopleSource.BulkCreatedAt, bulk.Chosen.Source);
    }

    [Fact]
    public void TheTableListsEveryCandidateAndMarksTheOneThatRuns()
    {
        var plan = SourcePlanner.Plan(Instance(20_000), new SyncOptions { Method = SyncMethod.Auto, SmartListId = 1001 });
        var lines = plan.RenderTable().Split(Environment.NewLine);
        Assert.Matches(@"^  Source\s+Calls\s+MB\s+Minutes\s+Fits\s+Note$", lines[0]);
        Assert.Equal(3, lines.Count(l => l.StartsWith("  Bulk", StringComparison.Ordinal) || l.StartsWith("> ", StringComparison.Ordinal) || l.StartsWith("  REST", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.StartsWith("> REST id scan", StringComparison.Ordinal));
        Assert.StartsWith("Runs: REST id scan. The fastest source", lines[^1], StringComparison.Ordinal);
    }

    /// <summary>The survey reads every fact the estimates use in a handful of calls, and seeds the daily budget as a run does.</summary>
    [Fact]
    public async Task TheSurveyReadsTheFactsInAHandfulOfCalls()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "9");
        using var temp = new TempFolder();
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 4; i++) await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token); // another integration
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();

        var (plan, facts) = await SourcePlanner.PlanAsync(session.Marketo, session.Salesforce, session.Store, new SyncOptions { Method = SyncMethod.Auto }, CancellationToken.None);

        long highest;
        DateTimeOffset oldest;
        int salesOwnedInFirstBlock;
        lock (sb.Host.State.World.Sync)
        {
            var world = sb.Host.State.World;
            highest = world.People.Max(p => p.Id);
            oldest = world.People.Where(p => p.Id <= 300).Min(p => (DateTimeOffset)p["createdAt"]!);
            salesOwnedInFirstBlock = world.Lists[WorldGenerator.SalesOwnedListId].Members.Count(id => id <= 300);
        }
        Assert.Equal(highest, facts.HighestId!.HighestId);
        Assert.Equal(oldest, facts.OldestCreatedAt);
        Assert.Equal((300, 300, salesOwnedInFirstBlock), (facts.SampleIds, facts.SampleLiving, facts.SampleSalesOwned));
        Assert.True(facts.InstanceCallsToday >= 4, $"{facts.InstanceCallsToday}");
        Assert.Equal(0d, facts.BulkMegabytesToday);
        Assert.Equal((0L, 0L, true), (facts.LocalPeople, facts.LocalHighestId, facts.SalesforceConnected));
        var calls = (JsonObject)(await sb.StatsAsync())["marketo"]!["calls"]!;
        Assert.Equal(facts.SurveyCalls, calls.Sum(kv => kv.Value!.GetValue<int>()));
        Assert.InRange(facts.SurveyCalls, 4, 16); // usage, the first block, export list, and 2 per span of the log looked at
        Assert.Equal(PeopleSource.RestIdScan, plan.Chosen.Source);
    }
}
