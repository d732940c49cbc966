using System.Globalization;
using SalesSync.Core.Diagnostics;

namespace SalesSync.Core.Activities;

/// <summary>
/// Progress of one caller's activities, through <see cref="EngineObserver.Current"/>: the caller's record (what it
/// accepted) with Marketo's and Salesforce's deliveries nested under it. Records are written at most every 250 ms
/// (a pipeline of 10,000 rows must not pay for 10,000 progress records); <see cref="Complete"/> removes them.
/// </summary>
public sealed class ActivityProgress(string activity)
{
    private const int CallerId = 1, MarketoId = 2, SalesforceId = 3;
    private static readonly long Interval = System.Diagnostics.Stopwatch.Frequency / 4;

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _lastWritten = long.MinValue;
    private int _accepted, _marketoDelivered, _marketoFailed, _salesforceDelivered, _salesforceFailed;
    private bool _marketoShown, _salesforceShown;

    /// <summary>One more activity accepted (stored) from the pipeline.</summary>
    public void Accepted()
    {
        _accepted++;
        if (Due()) WriteCaller(EngineObserver.Current);
    }

    /// <summary>A delivery batch settled (called by the outbox after each call).</summary>
    internal void Delivered(bool marketo, int delivered, int failed, int pending)
    {
        if (marketo) { _marketoDelivered += delivered; _marketoFailed += failed; }
        else { _salesforceDelivered += delivered; _salesforceFailed += failed; }
        // A destination's first batch is always shown (its record then stays until Complete); later ones at most every 250 ms.
        if (!Due() && (marketo ? _marketoShown : _salesforceShown)) return;
        var observer = EngineObserver.Current;
        WriteCaller(observer);
        var (id, name, done, bad) = marketo ? (MarketoId, "Marketo", _marketoDelivered, _marketoFailed) : (SalesforceId, "Salesforce", _salesforceDelivered, _salesforceFailed);
        if (marketo) _marketoShown = true; else _salesforceShown = true;
        var percent = done + bad + pending == 0 ? -1 : (int)(100L * (done + bad) / (done + bad + pending));
        observer.Progress(new EngineProgress(marketo ? "Marketo custom activities (300 per call)" : "Salesforce Tasks (200 per call)",
            string.Create(CultureInfo.InvariantCulture, $"{name}: {done:N0} delivered, {bad:N0} failed, {pending:N0} pending"), percent, id) { ParentActivityId = CallerId });
    }

    /// <summary>Removes the records (the caller ended).</summary>
    public void Complete()
    {
        var observer = EngineObserver.Current;
        if (_salesforceShown) observer.Progress(new EngineProgress("Salesforce", "done", -1, SalesforceId) { ParentActivityId = CallerId, Completed = true });
        if (_marketoShown) observer.Progress(new EngineProgress("Marketo", "done", -1, MarketoId) { ParentActivityId = CallerId, Completed = true });
        if (_lastWritten != long.MinValue) observer.Progress(new EngineProgress(activity, "done", -1, CallerId) { Completed = true });
    }

    private bool Due()
    {
        var now = _clock.ElapsedTicks;
        if (_lastWritten != long.MinValue && now - _lastWritten < Interval) return false;
        _lastWritten = now;
        return true;
    }

    private void WriteCaller(IEngineObserver observer)
    {
        var rate = _accepted / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var accepted = _accepted > 0 ? string.Create(CultureInfo.InvariantCulture, $"{_accepted:N0} accepted ({rate:N0}/s); ") : "";
        observer.Progress(new EngineProgress(activity, string.Create(CultureInfo.InvariantCulture,
            $"{accepted}Marketo {_marketoDelivered:N0} delivered; Salesforce {_salesforceDelivered:N0} delivered"), -1, CallerId));
    }
}
