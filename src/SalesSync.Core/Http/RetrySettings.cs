namespace SalesSync.Core.Http;

/// <summary>Bounds of the retry policy. Every retry is announced on the verbose stream and every wait is cancellable.</summary>
public sealed record RetrySettings
{
    /// <summary>Retries after the first attempt (0 disables retries).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>First backoff for transient failures; doubles per retry, with ±20% jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>First backoff after a rate or concurrency refusal (606/615 and the like).</summary>
    public TimeSpan ThrottleDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>No single wait is longer than this.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public static RetrySettings Default { get; } = new();

    /// <summary>Short policy for proving a connection: an unreachable host should fail within seconds.</summary>
    public static RetrySettings Connect { get; } = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(300) };
}
