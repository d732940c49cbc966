namespace SalesSync.Core.Unsubscribes;

/// <summary>
/// Sizes unsubscribe lookups so the records they match rarely exceed one page: Marketo returns at most 300
/// records per call, so a lookup of 300 emails that match 301 records costs two calls. Each email's records
/// are estimated from what the local database knows (how many synced people have it: duplicates) and from the
/// last answered lookups (how many records an email nobody synced brings, and how many more than the synced
/// ones a synced email brings); a lookup takes emails while the estimate plus 2.5 standard deviations fits in
/// 300. Before any answer, one address in fifty is assumed to have a second record (duplicates are common in
/// Marketo; Adobe gives no rate), so a first lookup asks for about 290 emails.
/// </summary>
internal sealed class LookupBatchSizer
{
    /// <summary>Records per page and emails per lookup (Marketo's filterValues and batchSize limits).</summary>
    public const int PageSize = 300;

    // A page costs a whole call, a smaller lookup only a fraction of one: at 2.5 standard deviations about one lookup
    // in 160 pages, while a lookup stays within about ten emails of what fits.
    private const double Margin = 2.5;

    // The assumption before any answer: one address in fifty has one more record (mean and variance of the extra records).
    private const double PriorExtra = 0.02;

    // Each answered lookup weighs this much less: the last few lookups (about a thousand emails) tell the rest.
    private const double Decay = 0.7;

    private readonly object _sync = new();
    private readonly Estimate _unsynced = new(1 + PriorExtra); // records per email the local database does not have
    private readonly Estimate _extra = new(PriorExtra);        // records beyond the synced ones, per synced email

    /// <summary>Whether any lookup has been answered (until then the prior assumption sizes them).</summary>
    public bool Learned
    {
        get { lock (_sync) return _unsynced.Weight > 0 || _extra.Weight > 0; }
    }

    /// <summary>
    /// How many of the emails (given by their synced-record counts, in queue order) the next lookup takes: at least
    /// one, at most 300, fewer when their records would likely not fit in one page.
    /// </summary>
    public int Take(IReadOnlyList<int> synced)
    {
        lock (_sync)
        {
            double mean = 0, variance = 0;
            var n = Math.Min(synced.Count, PageSize);
            for (var i = 0; i < n; i++)
            {
                var (m, v) = synced[i] > 0 ? (synced[i] + _extra.Mean, _extra.Variance) : (_unsynced.Mean, _unsynced.Variance);
                if (i > 0 && mean + m + Margin * Math.Sqrt(variance + v) > PageSize) return i;
                mean += m;
                variance += v;
            }
            return n;
        }
    }

    /// <summary>Learns from one answered lookup: each email's synced count and the records Marketo returned for it.</summary>
    public void Observe(IReadOnlyCollection<(int Synced, int Records)> answered)
    {
        if (answered.Count == 0) return;
        lock (_sync)
        {
            _unsynced.Age();
            _extra.Age();
            foreach (var (synced, records) in answered)
            {
                if (synced > 0) _extra.Add(records - synced);
                else _unsynced.Add(records);
            }
        }
    }

    /// <summary>A decayed mean and variance; the prior (a rare extra record: variance = <see cref="PriorExtra"/>) until something was seen.</summary>
    private sealed class Estimate(double prior)
    {
        private double _sum, _squares;

        public double Weight { get; private set; }
        public double Mean => Weight > 0 ? _sum / Weight : prior;
        public double Variance => Weight > 0 ? Math.Max(0, _squares / Weight - Mean * Mean) : PriorExtra;

        public void Add(double value)
        {
            Weight += 1;
            _sum += value;
            _squares += value * value;
        }

        public void Age()
        {
            Weight *= Decay;
            _sum *= Decay;
            _squares *= Decay;
        }
    }
}
