using System.Globalization;
using Polly;
using Polly.Retry;
using SalesSync.Core.Diagnostics;

namespace SalesSync.Core.Http;

/// <summary>
/// Builds the Polly retry pipeline shared by both API clients: retries only what the classifier calls
/// transient or throttled, exponential backoff with jitter, bounded, cancellable, announced in -Verbose.
/// </summary>
internal static class RetryPipelineFactory
{
    /// <param name="onlyRefusals">
    /// For writes that are not idempotent (adding activities, creating tasks): retry only what the service
    /// refused before doing anything (rate and concurrency limits). A timeout, reset or 5xx may come after the
    /// write was committed, so the caller must find out what arrived before sending again.
    /// </param>
    public static ResiliencePipeline Create(string service, RetrySettings settings, TimeProvider? timeProvider = null, bool onlyRefusals = false)
    {
        if (settings.MaxRetries <= 0) return ResiliencePipeline.Empty;
        var options = new RetryStrategyOptions
        {
            MaxRetryAttempts = settings.MaxRetries,
            ShouldHandle = new PredicateBuilder().Handle<SalesSyncApiException>(e => e.Kind is ApiFailureKind.Throttled || (!onlyRefusals && e.Kind is ApiFailureKind.Transient)),
            DelayGenerator = args => new ValueTask<TimeSpan?>(Delay(settings, args.Outcome.Exception as SalesSyncApiException, args.AttemptNumber)),
            OnRetry = args =>
            {
                var error = args.Outcome.Exception as SalesSyncApiException;
                var asked = error?.RetryAfter is { } wait ? string.Create(CultureInfo.InvariantCulture, $" (the service asked for {wait.TotalSeconds:0.#} s with Retry-After)") : "";
                EngineObserver.Current.Verbose(string.Create(CultureInfo.InvariantCulture,
                    $"{service}: {error?.Message ?? "call failed"} - retry {args.AttemptNumber + 1} of {settings.MaxRetries} in {args.RetryDelay.TotalSeconds:0.0} s{asked}"));
                return default;
            },
        };
        var builder = new ResiliencePipelineBuilder();
        if (timeProvider is not null) builder.TimeProvider = timeProvider;
        return builder.AddRetry(options).Build();
    }

    internal static TimeSpan Delay(RetrySettings settings, SalesSyncApiException? error, int attempt)
    {
        if (error?.RetryAfter is { } asked && asked > TimeSpan.Zero) return asked < settings.MaxDelay ? asked : settings.MaxDelay;
        var first = error?.Kind == ApiFailureKind.Throttled ? settings.ThrottleDelay : settings.BaseDelay;
        var exponential = first.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var jittered = exponential * (0.8 + Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Min(jittered, settings.MaxDelay.TotalMilliseconds));
    }
}
