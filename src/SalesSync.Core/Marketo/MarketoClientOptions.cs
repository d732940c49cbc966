using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>Where and how to reach one Marketo instance.</summary>
internal sealed record MarketoClientOptions
{
    /// <summary>The instance base, e.g. https://123-ABC-456.mktorest.com (REST under /rest, Identity under /identity).</summary>
    public required Uri BaseUri { get; init; }
    public required string ClientId { get; init; }
    public required Secret ClientSecret { get; init; }
    public MarketoLimitSettings Limits { get; init; } = MarketoLimitSettings.Default;
    public RetrySettings Retry { get; init; } = RetrySettings.Default;

    /// <summary>Per-call timeout; Marketo's own endpoint timeouts go up to 300 s (paging token).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Longest GET URL sent; longer ones go as POST with _method=GET (Marketo answers 414 past 8 KB).</summary>
    public int MaxGetUrlLength { get; init; } = 7 * 1024;
}
