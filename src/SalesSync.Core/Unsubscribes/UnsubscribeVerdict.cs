namespace SalesSync.Core.Unsubscribes;

/// <summary>Why an email got no verdict: it fails closed, so none of these means "safe to email".</summary>
public enum UnsubscribeCheckFailure
{
    /// <summary>Not a syntactically valid address; no call was spent on it.</summary>
    InvalidEmail,

    /// <summary>The input held no address at all (neither text nor an email property); no call was spent on it.</summary>
    NoEmail,

    /// <summary>Marketo did not answer (an outage, or errors after the bounded retries).</summary>
    MarketoUnavailable,

    /// <summary>Marketo's daily API quota is spent; checks resume after midnight US Central.</summary>
    QuotaExhausted,

    /// <summary>Marketo refused the lookup itself (credentials, permissions, a malformed request).</summary>
    Refused,
}

/// <summary>The stable name of each failure: the ErrorId of its error record and the word in the result's Reason (one cause, one name).</summary>
public static class UnsubscribeCheckFailures
{
    public static string ErrorId(this UnsubscribeCheckFailure failure) => failure switch
    {
        UnsubscribeCheckFailure.InvalidEmail => "InvalidEmail",
        UnsubscribeCheckFailure.NoEmail => "NoEmail",
        UnsubscribeCheckFailure.QuotaExhausted => "MarketoQuotaExhausted",
        UnsubscribeCheckFailure.Refused => "UnsubscribeCheckRefused",
        _ => GuardDecision.CheckFailedNow, // "UnsubscribeCheckFailed": Marketo did not answer now; the send guard holds such emails under the same name
    };
}

/// <summary>
/// Marketo's answer for one email: unsubscribed when ANY record with the address is (Durable
/// Unsubscribe keeps them in step, but not always at once), with the matching ids and Marketo's reason.
/// </summary>
public sealed record UnsubscribeVerdict
{
    /// <summary>The address as it was looked up.</summary>
    public required string Email { get; init; }
    public bool Unsubscribed { get; init; }

    /// <summary>Whether any Marketo person has the address (not found is not unsubscribed).</summary>
    public bool Found { get; init; }

    /// <summary>Every Marketo person with the address, in id order.</summary>
    public IReadOnlyList<long> MarketoIds { get; init; } = [];

    /// <summary>The ones of those that are unsubscribed.</summary>
    public IReadOnlyList<long> UnsubscribedIds { get; init; } = [];

    /// <summary>Marketo's unsubscribedReason (of the first unsubscribed record that gives one).</summary>
    public string? Reason { get; init; }
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>Set when there is no verdict: the email must be treated as not safe to email.</summary>
    public UnsubscribeCheckFailure? Failure { get; init; }
    public string? FailureMessage { get; init; }

    /// <summary>True only when Marketo confirmed the address may be emailed.</summary>
    public bool SafeToEmail => Failure is null && !Unsubscribed;

    public static UnsubscribeVerdict Failed(string email, UnsubscribeCheckFailure failure, string message, DateTimeOffset at) =>
        new() { Email = email, Failure = failure, FailureMessage = message, CheckedAt = at };
}
