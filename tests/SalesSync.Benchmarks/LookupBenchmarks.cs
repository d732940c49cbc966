using System.Diagnostics;
using SalesSync.Core.People;

namespace SalesSync.Benchmarks;

/// <summary>
/// Get-SyncedPerson's lookups on a large database: the cmdlet builds a PersonQuery and reads
/// SalesSyncSession.GetPeople, which is PeopleStore.Query; this times that call, drained as the cmdlet drains it.
/// </summary>
internal static class LookupBenchmarks
{
    private const int Lookups = 1000;

    /// <summary>Slow kinds of lookup stop after this long rather than hold up the whole bench.</summary>
    private static readonly TimeSpan BudgetPerKind = TimeSpan.FromSeconds(15);

    public static void Run(int people)
    {
        Console.WriteLine($"\n[Get-SyncedPerson lookups, {people:N0}-person database, through PeopleStore.Query (what SalesSyncSession.GetPeople runs); noisy machine, so medians]");
        using var temp = new TempFolder();
        var path = temp.File("lookup.db");
        var build = CpuWatch.Start();
        using (var writer = Bench.OpenStore(path))
        {
            var store = writer.Store.People;
            foreach (var chunk in SyntheticPeople.Chunks(people, 1000, DateTimeOffset.UtcNow)) store.Upsert(chunk, runId: 1);
        }
        var (buildCpu, buildWall) = build.Stop();
        Console.WriteLine($"  built by PeopleStore.Upsert in batches of 1,000 (a transaction commits early at {SalesSync.Core.Store.PeopleStore.PageBudgetForNewStores:N0} pages held): wall {buildWall:0.0} s, CPU {buildCpu:0.0} s, file {Bench.Mib(new FileInfo(path).Length)}");

        using var lease = Bench.OpenStore(path); // reopened, as a later PowerShell session would find it
        var peopleStore = lease.Store.People;
        var random = new Random(7);
        var ids = Enumerable.Range(0, Lookups).Select(_ => (long)random.Next(1, people + 1)).ToList();
        // Some lookups of shared emails (every 50th person reuses an earlier one's), as a real database has them.
        for (var i = 0; i < Lookups; i += 20) ids[i] = Math.Max(50, ids[i] / 50 * 50);

        // Each kind drains the query as Get-SyncedPerson does; the two references show the floor under the engine's path.
        var raw = lease.Store.Database.GetCollection("people");
        Time("Marketo id (reference: primary key)", ids, id => peopleStore.Query(new PersonQuery { MarketoIds = [id] }).Count(), null);
        Time("email, raw LiteDB Find(EQ) (reference)", ids, id => raw.Find(LiteDB.Query.EQ("email", SyntheticPeople.EmailOf(id))).Count(), null);
        Time("email, exact", ids, id => peopleStore.Query(new PersonQuery { Email = SyntheticPeople.EmailOf(id) }).Count(), "goal: median under 5 ms");
        Time("email, exact, other case", ids, id => peopleStore.Query(new PersonQuery { Email = SyntheticPeople.EmailOf(id).ToUpperInvariant() }).Count(), null);
        Time("Salesforce id (18 chars)", ids, id => peopleStore.Query(new PersonQuery { SalesforceId = SalesforceIdOf(id) }).Count(), null);
        Time("Salesforce id (15 chars)", ids, id => peopleStore.Query(new PersonQuery { SalesforceId = SalesforceIdOf(id)[..15] }).Count(), null);
        Time("company prefix 'Contoso 0012*'", ids, _ => peopleStore.Query(new PersonQuery { Company = "Contoso 0012*" }).Count(), null);
        Time("company infix '*0012?, Inc.' (no index)", ids, _ => peopleStore.Query(new PersonQuery { Company = "*0012?, Inc." }).Count(), null);
        // Get-SyncedPerson's combined filters (issue 15): a [range] pattern with its index prefix, and company AND owner.
        var owner = peopleStore.Query(new PersonQuery { Company = "Contoso 0012*" }).First().SalesOwnerId!;
        Time("company range 'Contoso 001[0-2]*'", ids, _ => peopleStore.Query(new PersonQuery { Company = "Contoso 001[0-2]*" }).Count(), null);
        Time("company prefix AND owner (15 chars)", ids, _ => peopleStore.Query(new PersonQuery { Company = "Contoso 0012*", SalesOwnerId = owner[..15] }).Count(), null);
    }

    private static string SalesforceIdOf(long id)
    {
        var p = SyntheticPeople.Person(id, default);
        return p.SalesforceLeadId ?? p.SalesforceContactId!;
    }

    private static void Time(string label, IReadOnlyList<long> ids, Func<long, int> lookup, string? goal)
    {
        var warm = Stopwatch.StartNew(); // JIT and the first index pages into LiteDB's cache
        foreach (var id in ids.Take(20))
            if (lookup(id) >= 0 && warm.Elapsed > TimeSpan.FromSeconds(2)) break;
        var times = new List<double>();
        long found = 0, misses = 0;
        var budget = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            var watch = Stopwatch.StartNew();
            var count = lookup(id);
            times.Add(watch.Elapsed.TotalMilliseconds);
            found += count;
            if (count == 0) misses++;
            if (budget.Elapsed > BudgetPerKind) break;
        }
        times.Sort();
        var stopped = times.Count < ids.Count ? $" (stopped at the {BudgetPerKind.TotalSeconds:0} s budget)" : "";
        Console.WriteLine($"  {label,-42} median {Bench.Percentile(times, 0.5),8:0.00} ms, p95 {Bench.Percentile(times, 0.95),8:0.00} ms over {times.Count:N0} lookups{stopped}; {found / (double)times.Count:0.0} found per lookup, {misses} found nobody{(goal is null ? "" : $" ({goal})")}");
    }
}
