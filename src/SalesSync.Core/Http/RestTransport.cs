using RestSharp;

namespace SalesSync.Core.Http;

/// <summary>
/// Sends one RestSharp request and turns transport outcomes into the engine's terms: cancellation
/// stays cancellation; resets, refusals and timeouts become transient API errors; anything that got
/// an HTTP answer is returned for the service-specific classifier.
/// </summary>
internal static class RestTransport
{
    public static RestClient CreateClient(Uri baseUri, TimeSpan timeout) =>
        new(new RestClientOptions(UriPolicy.Normalize(baseUri))
        {
            Timeout = timeout,
            ThrowOnAnyError = false,
            UserAgent = "SalesSync/" + typeof(RestTransport).Assembly.GetName().Version?.ToString(3),
            FollowRedirects = false,
        });

    public static async Task<RestResponse> SendAsync(RestClient client, RestRequest request, string service, string operation, CancellationToken cancellationToken)
    {
        RestResponse response;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            response = await client.ExecuteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        cancellationToken.ThrowIfCancellationRequested();
        // One line per call (method and path only, never the query or body, which may carry secrets).
        Diagnostics.EngineObserver.Current.Verbose(System.FormattableString.Invariant(
            $"{service}: {operation} -> {(response.StatusCode == 0 ? response.ResponseStatus.ToString() : $"HTTP {(int)response.StatusCode}")} in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms"));
        // Any HTTP answer (RestSharp flags non-2xx as Error) goes to the service's own classifier.
        if (response.StatusCode != 0) return response;

        var reason = response.ResponseStatus == ResponseStatus.TimedOut
            ? "the call timed out"
            : Describe(response.ErrorException);
        throw new SalesSyncApiException(service, response.ResponseStatus == ResponseStatus.TimedOut ? "TIMEOUT" : "NETWORK",
            $"{operation}: {reason}", ApiFailureKind.Transient, response.ErrorException);
    }

    /// <summary>The innermost transport message (connection refused, reset by peer, ...); never the URL.</summary>
    private static string Describe(Exception? e)
    {
        if (e is null) return "no response";
        while (e.InnerException is not null) e = e.InnerException;
        return e.Message;
    }

    /// <summary>A delay the server asked for with Retry-After (seconds or HTTP date), if any.</summary>
    public static TimeSpan? RetryAfter(RestResponse response, DateTimeOffset now)
    {
        var headers = (response.Headers ?? []).Concat(response.ContentHeaders ?? [])
            .Select(h => new KeyValuePair<string, string?>(h.Name ?? "", h.Value?.ToString()));
        return RetryAfterHeader.From(headers, now);
    }

    /// <summary>The server's time from the response's HTTP Date header, if it sent a valid one.</summary>
    public static DateTimeOffset? ServerDate(RestResponse response)
    {
        var header = (response.Headers ?? []).FirstOrDefault(h => string.Equals(h.Name, "Date", StringComparison.OrdinalIgnoreCase));
        return ServerClock.Parse(header?.Value?.ToString());
    }

    /// <summary>"GET rest/v1/leads.json": method and path only; query strings may carry secrets.</summary>
    public static string Operation(Method method, string path) => $"{method.ToString().ToUpperInvariant()} /{path.TrimStart('/')}";
}
