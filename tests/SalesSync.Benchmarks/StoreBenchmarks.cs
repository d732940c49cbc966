using System.Reflection;
using LiteDB;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Benchmarks;

/// <summary>
/// What the people store costs per write, next to LiteDB's own bulk insert of the same documents into a
/// collection with the same indexes. Every run starts from a fresh database; the figure compared is process
/// CPU (no sandbox runs here, so it is all store work), best of a few runs because other builds share the machine.
/// </summary>
internal static class StoreBenchmarks
{
    /// <summary>The batch sizes the sync writes in: one REST page, one chunk of a bulk export file.</summary>
    private static readonly (int Size, string Source)[] BatchSizes = [(300, "REST page"), (1000, "bulk file chunk")];

    private const string Collection = "people";

    /// <summary>PeopleStore's own document builder, so the baseline writes byte-for-byte the same documents.</summary>
    private static readonly Func<PersonRecord, int, BsonDocument> ToDocument =
        typeof(PeopleStore).GetMethod("ToDocument", BindingFlags.NonPublic | BindingFlags.Static)?.CreateDelegate<Func<PersonRecord, int, BsonDocument>>()
        ?? throw new InvalidOperationException("PeopleStore.ToDocument(PersonRecord, int) not found: update StoreBenchmarks to the store's document layout.");

    private sealed record Variant(string Name, Action<string, IReadOnlyList<PersonRecord>, int> Write);

    public static void Run(int people, int repetitions)
    {
        Console.WriteLine($"\n[store write cost, {people:N0} people, fresh database per run, {(repetitions == 1 ? "one run per variant (--reps N keeps the least CPU of N)" : $"least CPU of {repetitions} runs per variant")}; other builds share the 2 cores, so wall times are noisy]");
        var records = SyntheticPeople.Chunks(people, people, DateTimeOffset.UtcNow).Single();
        var indexes = IndexesOfPeopleStore();
        Console.WriteLine($"  indexes (read from a PeopleStore database, applied to every baseline): {string.Join(", ", indexes.Select(i => i.Name))}");

        var build = CpuWatch.Start();
        foreach (var r in records) ToDocument(r, 1);
        var buildCpu = build.Stop().CpuSeconds;

        // LiteDB 5 ignores InsertBulk's batchSize (the whole enumeration is one transaction), so the baseline calls it
        // once per batch: the same transactions the sync commits. The single call over everything is printed as the floor.
        Variant[] variants =
        [
            new("PeopleStore.Upsert (engine)", WriteThroughPeopleStore),
            new("LiteDB InsertBulk, one call per batch (baseline)", (path, rs, batch) => WithCollection(path, indexes, (_, c) =>
            {
                foreach (var chunk in rs.Chunk(batch)) c.InsertBulk(chunk.Select(p => ToDocument(p, 1)));
            })),
            // What Upsert could do instead: its FindById already says whether the person exists, so Insert or Update
            // directly (LiteDB's Upsert tries an Update first, a second lookup by id, before it inserts).
            new("FindById, then Insert or Update (1 tx per batch)", (path, rs, batch) => WithCollection(path, indexes, (db, c) => InTransactions(db, rs, batch, p =>
            {
                if (c.FindById(p.MarketoId) is null) c.Insert(ToDocument(p, 1));
                else c.Update(ToDocument(p, 1));
            }))),
        ];

        var summary = new List<string>();
        foreach (var (batch, source) in BatchSizes)
        {
            var best = variants.ToDictionary(v => v, _ => (Cpu: double.MaxValue, Wall: 0.0));
            for (var rep = 0; rep < repetitions; rep++)
                foreach (var variant in variants) // interleaved, so a burst of load elsewhere hits every variant alike
                {
                    using var temp = new TempFolder();
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var watch = CpuWatch.Start();
                    variant.Write(temp.File("store.db"), records, batch);
                    var (cpu, wall) = watch.Stop();
                    if (cpu < best[variant].Cpu) best[variant] = (cpu, wall);
                }
            var baseline = best[variants[1]].Cpu;
            Console.WriteLine($"  batches of {batch:N0} ({source}):");
            foreach (var variant in variants)
            {
                var (cpu, wall) = best[variant];
                Console.WriteLine($"    {variant.Name,-50} CPU {cpu,6:0.00} s  wall {wall,6:0.00} s  {people / cpu,9:N0} persons per CPU-s  {cpu / baseline,5:0.00}x InsertBulk");
            }
            summary.Add($"{best[variants[0]].Cpu / baseline:0.00}x at {batch:N0}");
            Console.WriteLine($"    commits: baseline {(people + batch - 1) / batch:N0}, engine {_engineCommits:N0} (page budget {SalesSync.Core.Store.PeopleStore.PageBudgetForNewStores:N0}); engine minus baseline: {best[variants[0]].Cpu - baseline:0.00} CPU-s = {(best[variants[0]].Cpu - baseline) * 1e6 / people:0} us per person");
        }
        using (var temp = new TempFolder())
        {
            GC.Collect();
            var watch = CpuWatch.Start();
            WithCollection(temp.File("store.db"), indexes, (_, c) => c.InsertBulk(records.Select(p => ToDocument(p, 1))));
            var (cpu, wall) = watch.Stop();
            Console.WriteLine($"  floor: LiteDB InsertBulk of all {people:N0} in one call (one transaction): CPU {cpu:0.00} s, wall {wall:0.00} s ({people / cpu:N0} persons per CPU-s)");
        }
        Console.WriteLine($"  building the {people:N0} documents alone (PeopleStore.ToDocument, included in every row): CPU {buildCpu:0.00} s");
        Console.WriteLine($"  PeopleStore.Upsert vs InsertBulk per batch: {string.Join(", ", summary)} (goal: within 1.30x)");

        // A later full pass meets the same people again: every one is read, compared and rewritten with the new run id.
        using (var temp = new TempFolder())
        {
            var path = temp.File("store.db");
            WriteThroughPeopleStore(path, records, 300);
            using var lease = Bench.OpenStore(path);
            var store = lease.Store.People;
            var watch = CpuWatch.Start();
            var unchanged = 0;
            foreach (var chunk in records.Chunk(300))
                unchanged += store.Upsert(chunk, runId: 2).Count(c => c.Change == PersonChange.Unchanged);
            var (cpu, wall) = watch.Stop();
            Console.WriteLine($"  second full pass over the same {people:N0} (all unchanged: {unchanged:N0}), batches of 300: CPU {cpu:0.00} s, wall {wall:0.00} s ({people / cpu:N0} persons per CPU-s)");
        }
    }

    private static void WriteThroughPeopleStore(string path, IReadOnlyList<PersonRecord> records, int batch)
    {
        using var lease = Bench.OpenStore(path);
        var store = lease.Store.People;
        _engineCommits = 0;
        store.Committed += () => _engineCommits++;
        foreach (var chunk in records.Chunk(batch)) store.Upsert(chunk, runId: 1);
    }

    /// <summary>Commits of the engine's last run (more than one per batch once a transaction holds its page budget).</summary>
    private static int _engineCommits;

    /// <summary>A bare LiteDB database opened as the engine opens its own (direct, no password), with the people indexes.</summary>
    private static void WithCollection(string path, IReadOnlyList<(string Name, string Expression)> indexes, Action<LiteDatabase, ILiteCollection<BsonDocument>> write)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Upgrade = false });
        var people = db.GetCollection(Collection);
        foreach (var (name, expression) in indexes) people.EnsureIndex(name, expression);
        write(db, people);
    }

    private static void InTransactions(LiteDatabase db, IReadOnlyList<PersonRecord> records, int batch, Action<PersonRecord> write)
    {
        foreach (var chunk in records.Chunk(batch))
        {
            db.BeginTrans();
            foreach (var person in chunk) write(person);
            db.Commit();
        }
    }

    /// <summary>The indexes PeopleStore makes, read back from a database it made (so the baseline cannot drift from it).</summary>
    private static List<(string Name, string Expression)> IndexesOfPeopleStore()
    {
        using var temp = new TempFolder();
        using var lease = Bench.OpenStore(temp.File("indexes.db"));
        _ = lease.Store.People;
        return lease.Store.Database.GetCollection("$indexes").Query().Where("collection = @0", Collection).ToEnumerable()
            .Where(d => d["name"].AsString != "_id")
            .Select(d => (d["name"].AsString, d["expression"].AsString))
            .ToList();
    }
}
