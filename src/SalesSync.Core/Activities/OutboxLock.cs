using System.Collections.Concurrent;
using SalesSync.Core.Store;

namespace SalesSync.Core.Activities;

/// <summary>
/// One per database in this process (held by <see cref="SyncStore"/> beside the people sync's lock): the lock under which delivery states change (a delivery, a requeue, the
/// check of held rows a stopped sender left), and the held rows live senders are still checking, which a
/// delivery leaves to them. One object for both, so they always guard the same database.
/// </summary>
internal sealed class OutboxLock
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, byte> _liveHolds = new(StringComparer.OrdinalIgnoreCase); // ids compare as the store does

    public static OutboxLock For(ActivityStore store) => store.Lock;

    /// <summary>Runs work while no other delivery of this database runs in this process: two runspaces never send or look up the same batch.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await work().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A live sender holds this row while its check is outstanding.</summary>
    public void Hold(string activityId) => _liveHolds[activityId] = 0;

    /// <summary>The sender settled the row, or left it to the next delivery.</summary>
    public void Let(string activityId) => _liveHolds.TryRemove(activityId, out _);

    public bool IsHeldLive(string activityId) => _liveHolds.ContainsKey(activityId);

    public int LiveCount => _liveHolds.Count;

    /// <summary>Accepted activities every caller of this process holds for its next group commit, by id (so a caller id is taken once, staged or stored).</summary>
    private readonly ConcurrentDictionary<string, SalesActivity> _staged = new(StringComparer.OrdinalIgnoreCase); // ids compare as the store does

    /// <summary>Claims the activity's id for a caller's group commit; false when another caller's group holds it.</summary>
    public bool TryStage(SalesActivity activity) => _staged.TryAdd(activity.ActivityId, activity);

    /// <summary>A staged activity (of any caller of this process), or null.</summary>
    public SalesActivity? Staged(string activityId) => _staged.TryGetValue(activityId, out var a) ? a : null;

    /// <summary>The group is committed (or given up): its ids are the store's to answer for.</summary>
    public void Unstage(IEnumerable<SalesActivity> activities)
    {
        foreach (var a in activities) _staged.TryRemove(a.ActivityId, out _);
    }
}
