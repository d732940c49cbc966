using SalesSync.Core.Activities;
using SalesSync.Core.Store;

namespace SalesSync.Core.Unsubscribes;

/// <summary>The guard's answer for one activity: allowed, or refused with a stable error id and a message.</summary>
public sealed record GuardDecision(bool Allowed, string? ErrorId = null, string? Message = null, UnsubscribeVerdict? Verdict = null)
{
    public static readonly GuardDecision Allow = new(true);

    /// <summary>The stable error id of a check Marketo could not make now (an outage, the daily quota): asked again later, never refused for it.</summary>
    public const string CheckFailedNow = "UnsubscribeCheckFailed";

    /// <summary>Not decided: Marketo could not be asked now, so the email waits (held) for a later check.</summary>
    public bool MustWait => !Allowed && ErrorId == CheckFailedNow;
}

/// <summary>
/// The send guard: a sent sales email is logged only for a person Salesforce has not opted out (as last
/// read by the opt-out step) and Marketo confirms, live, is not unsubscribed. The Marketo checks are
/// batched like the activities (300 emails per call) and fail closed.
/// </summary>
public sealed class SendGuard
{
    private readonly UnsubscribeLookup _lookup;
    private readonly SyncStore _store;

    internal SendGuard(UnsubscribeLookup lookup, SyncStore store)
    {
        _lookup = lookup;
        _store = store;
    }

    /// <summary>The kinds the guard checks: only a sent email reaches the person.</summary>
    public static bool Applies(SalesActivityKind kind) => kind == SalesActivityKind.EmailSent;

    /// <summary>Emails waiting for a Marketo check.</summary>
    public int PendingChecks => _lookup.PendingCount;

    /// <summary>Lookup calls made so far.</summary>
    public int CallsMade => _lookup.CallsMade;

    /// <summary>The decision when it can be made now; null when the Marketo check is queued (ask <see cref="Decide"/> after a flush).</summary>
    public GuardDecision? Screen(SalesActivity activity)
    {
        if (!Applies(activity.Kind)) return GuardDecision.Allow;
        if (_store.OptOuts.AnyOptedOut(People.SalesforceIds.To18(activity.SalesforceContactId), People.SalesforceIds.To18(activity.SalesforceLeadId)))
            return new GuardDecision(false, "OptedOutInSalesforce",
                $"Marketo person {activity.MarketoId} ({activity.Email}) has Email Opt Out set in Salesforce; the sales email is refused (kept on record as Refused, never delivered).");
        if (string.IsNullOrEmpty(activity.Email))
            return new GuardDecision(false, "NoEmailToCheck",
                $"Marketo person {activity.MarketoId} has no email address, so it cannot be checked for an unsubscribe; the sales email is refused (kept on record as Refused, never delivered).");
        return _lookup.Request(activity.Email) is { } verdict ? FromVerdict(activity, verdict) : null;
    }

    /// <summary>The decision once the person's email has been looked up (null while it is still queued).</summary>
    public GuardDecision? Decide(SalesActivity activity)
    {
        if (!Applies(activity.Kind)) return GuardDecision.Allow;
        return activity.Email is { Length: > 0 } email && _lookup.Find(email) is { } verdict ? FromVerdict(activity, verdict) : null;
    }

    /// <summary>Looks up whole batches (<paramref name="all"/> false) or every queued email.</summary>
    public async Task FlushAsync(bool all, CancellationToken ct)
    {
        // A lookup Marketo cannot answer decides each email it held (held again, or refused), and the caller reports
        // that once: the lookup's own warning would be a second one for the same outage, so it is verbose here.
        using (Diagnostics.EngineObserver.Use(new WarningsAsVerbose(Diagnostics.EngineObserver.Current)))
            await _lookup.FlushAsync(all, ct).ConfigureAwait(false);
    }

    private sealed class WarningsAsVerbose(Diagnostics.IEngineObserver inner) : Diagnostics.IEngineObserver
    {
        public void Verbose(string message) => inner.Verbose(message);
        public void Debug(string message) => inner.Debug(message);
        public void Warning(string message) => inner.Verbose(message);
        public void Progress(Diagnostics.EngineProgress progress) => inner.Progress(progress);
    }

    private static GuardDecision FromVerdict(SalesActivity activity, UnsubscribeVerdict verdict)
    {
        if (verdict.Failure == UnsubscribeCheckFailure.InvalidEmail)
            return new GuardDecision(false, "InvalidEmail",
                $"Marketo person {activity.MarketoId} has the email '{activity.Email}', which is not an address that can be checked ({verdict.FailureMessage}); the sales email is refused (kept on record as Refused, never delivered).", verdict);
        // Marketo refused the lookup of this address itself (for example 1003: more records share it than one lookup
        // may return): asking again gives the same answer, so the email is refused now, not held for ever.
        if (verdict.Failure == UnsubscribeCheckFailure.Refused)
            return new GuardDecision(false, "UnsubscribeUncheckable",
                $"Marketo refused to look up {verdict.Email} (Marketo person {activity.MarketoId}) for an unsubscribe ({verdict.FailureMessage}), so it cannot be shown not to be unsubscribed; the sales email is refused.", verdict);
        if (verdict.Failure is { } failure)
            return new GuardDecision(false, GuardDecision.CheckFailedNow,
                $"The unsubscribe status of {verdict.Email} (Marketo person {activity.MarketoId}) could not be checked now ({failure}: {verdict.FailureMessage}); the sales email is held, never sent unchecked, and checked again by the next delivery.", verdict);
        if (verdict.Unsubscribed)
            return new GuardDecision(false, "Unsubscribed",
                $"{verdict.Email} is unsubscribed in Marketo (person {string.Join(", ", verdict.UnsubscribedIds)}{(verdict.Reason is { } r ? $": {r}" : "")}); the sales email to Marketo person {activity.MarketoId} is refused (kept on record as Refused, never delivered).", verdict);
        // The address no longer leads to this person (changed or deleted in Marketo since the last sync): what
        // Marketo holds for the person now was not checked, so it is not safe to say yes.
        if (!verdict.MarketoIds.Contains(activity.MarketoId))
            return new GuardDecision(false, "EmailChangedInMarketo",
                $"Marketo has no person {activity.MarketoId} with the email {verdict.Email} any more (changed or deleted since the last sync), so its unsubscribe status was not checked; run Start-SalesSync and send again (under a new ActivityId if you gave one). The sales email is refused (kept on record as Refused, never delivered).", verdict);
        return GuardDecision.Allow with { Verdict = verdict };
    }
}
