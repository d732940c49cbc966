using System.Globalization;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Sync;

/// <summary>
/// Evidence of the highest Marketo id that exists, where the REST id scan ends: the lead id of the newest New Lead
/// (12) activity, or null when none was found (an empty instance, or the log could not be read).
/// </summary>
/// <param name="HighestId">The highest id ever created, as far as the evidence shows; null when there is none.</param>
/// <param name="NewestCreatedAt">When that person was created (the activity's date).</param>
/// <param name="Calls">Marketo calls spent finding it.</param>
/// <param name="Complete">False when the call bound cut the search short: <see cref="HighestId"/> is then only a floor.</param>
internal sealed record HighestIdEvidence(long? HighestId, DateTimeOffset? NewestCreatedAt, int Calls, bool Complete)
{
    public string Describe() => HighestId is { } id
        ? string.Create(CultureInfo.InvariantCulture, $"the newest New Lead activity is Marketo id {id:N0} (created {NewestCreatedAt:u}; {Calls} call(s))")
        : $"no New Lead activity was found ({Calls} call(s))";
}

/// <summary>
/// Finds the highest Marketo id from the activity log. Ids are handed out in creation order and every person's
/// New Lead activity is kept for ever (Delete Lead only 14 days, so deleted ids are not evidence), so the lead id
/// of the newest New Lead is the highest id ever created, deleted or not. The log is read backwards in spans that
/// grow (the last hour, day, week, month, quarter, year, three years, then everything): each span is one paging-token
/// call plus one activities.json call per 300 New Leads in it, and it ends at the previous span's start, so no
/// activity is read twice. An instance that creates people every day answers from the first span or two.
/// </summary>
internal static class IdScanEnd
{
    /// <summary>How far back each span starts (from now); after the last one the whole log back to the oldest person.</summary>
    internal static readonly TimeSpan[] Lookbacks =
    [
        TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(31), TimeSpan.FromDays(92),
        TimeSpan.FromDays(365), TimeSpan.FromDays(3 * 365),
    ];

    /// <summary>
    /// Calls the search may spend. Every New Lead read is an id the scan reads anyway (300 per call both), so the
    /// bound only matters on a log Marketo pages sparsely; past it the newest id read so far is a floor, not the end.
    /// </summary>
    internal const int MaxCalls = 300;

    private const int NewLead = 12;

    /// <param name="maxCalls">At most this many calls (a run's -MaxApiCalls leaves less than <see cref="MaxCalls"/>).</param>
    public static async Task<HighestIdEvidence> FindAsync(MarketoClient marketo, DateTimeOffset now, DateTimeOffset? oldestCreated, CancellationToken ct, int maxCalls = MaxCalls)
    {
        var calls = 0;
        DateTimeOffset? readFrom = null; // everything from here on was read and held no New Lead
        var starts = Lookbacks.Select(l => now - l).ToList();
        var earliest = oldestCreated?.AddDays(-1) ?? ExportPlan.EarliestPossible;
        starts = starts.Where(s => s > earliest).Append(earliest).ToList();
        foreach (var since in starts)
        {
            if (calls >= maxCalls) return new HighestIdEvidence(null, null, calls, Complete: false);
            calls++;
            var token = await ActivityStreams.TokenSinceAsync(marketo, since, ct).ConfigureAwait(false);
            long? highest = null;
            DateTimeOffset? newest = null;
            var pastSpan = false;
            while (token is not null && !pastSpan)
            {
                if (calls >= maxCalls && maxCalls < MaxCalls) return new HighestIdEvidence(highest, newest, calls, Complete: false);
                if (calls >= MaxCalls)
                {
                    EngineObserver.Current.Warning($"Finding the newest Marketo person took {calls} calls without reaching the end of the activity log; the id scan treats Marketo id {highest:N0} as a floor only.");
                    return new HighestIdEvidence(highest, newest, calls, Complete: false);
                }
                calls++;
                var page = await marketo.GetAsync(ActivityStreams.Activities,
                [
                    new("nextPageToken", token), new("activityTypeIds", NewLead.ToString(CultureInfo.InvariantCulture)),
                    new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
                ], ct).ConfigureAwait(false);
                foreach (var row in page.Result)
                {
                    if (!int.TryParse(MarketoResponse.String(row, "activityTypeId"), NumberStyles.None, CultureInfo.InvariantCulture, out var type) || type != NewLead) continue;
                    var date = DateTimeOffset.TryParse(MarketoResponse.String(row, "activityDate"), CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : (DateTimeOffset?)null;
                    if (readFrom is { } end && date >= end) { pastSpan = true; break; } // the newer span, already read
                    if (!long.TryParse(MarketoResponse.String(row, "leadId"), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) continue;
                    if (highest is null || id > highest) (highest, newest) = (id, date);
                }
                token = page.MoreResult == true ? page.NextPageToken : null;
            }
            if (highest is not null)
            {
                var evidence = new HighestIdEvidence(highest, newest, calls, Complete: true);
                EngineObserver.Current.Verbose($"The id scan ends at Marketo id {highest:N0}: {evidence.Describe()}.");
                return evidence;
            }
            readFrom = since;
        }
        return new HighestIdEvidence(null, null, calls, Complete: true);
    }
}
