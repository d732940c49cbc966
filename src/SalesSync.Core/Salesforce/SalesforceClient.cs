using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Polly;
using RestSharp;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;

namespace SalesSync.Core.Salesforce;

/// <summary>Salesforce's view of the org's daily API use, from the Sforce-Limit-Info header.</summary>
internal sealed record SalesforceApiUsage(int Used, int Max);

/// <summary>The session as the token endpoint described it (no secrets).</summary>
internal sealed record SalesforceSession(Uri InstanceUrl, DateTimeOffset IssuedAt);

/// <summary>
/// Salesforce REST client: client-credentials tokens, one re-authentication on 401 INVALID_SESSION_ID,
/// classified retries (Polly), SOQL paging through nextRecordsUrl, and a stop before the org's daily
/// allocation runs out. Thread-safe.
/// </summary>
internal sealed partial class SalesforceClient : IDisposable
{
    public const string ServiceName = "Salesforce";

    private readonly SalesforceClientOptions _options;
    private readonly RestClient _auth;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _connectRetry;
    private readonly ResiliencePipeline _writeRetry;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private volatile Session? _session;
    private RestClient? _api;
    private SalesforceApiUsage? _usage;

    private sealed record Session(string Token, Uri InstanceUrl, RestClient Api, DateTimeOffset IssuedAt);

    /// <summary>Salesforce's own clock (its responses' Date headers): SystemModstamp watermarks are taken on it, never on the local clock.</summary>
    public ServerClock ServerClock { get; } = new();

    /// <summary>
    /// The integration user (the token's user, 18 characters), from the token response's <c>id</c> identity URL
    /// (.../id/{orgId}/{userId}); null until a token is fetched or when the answer has none. Salesforce stamps it as
    /// CreatedById and LastModifiedById on SalesSync's own writes.
    /// </summary>
    public string? RunningUserId { get; private set; }

    public SalesforceClient(SalesforceClientOptions options, TimeProvider? time = null)
    {
        if (UriPolicy.Check(options.BaseUri) is { } problem) throw new ArgumentException(problem, nameof(options));
        if (!VersionPattern().IsMatch(options.ApiVersion)) throw new ArgumentException($"API version '{options.ApiVersion}' must look like v66.0.", nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _auth = RestTransport.CreateClient(options.BaseUri, options.Timeout);
        _retry = RetryPipelineFactory.Create(ServiceName, options.Retry, _time);
        _connectRetry = RetryPipelineFactory.Create(ServiceName, RetrySettings.Connect, _time);
        _writeRetry = RetryPipelineFactory.Create(ServiceName, options.Retry, _time, onlyRefusals: true);
    }

    public Uri BaseUri => _options.BaseUri;
    public string ClientId => _options.ClientId;
    public string ApiVersion => _options.ApiVersion;

    private long _callsMade;

    /// <summary>REST calls this client has sent (retries included; token calls not), for run summaries.</summary>
    public long CallsMade => Interlocked.Read(ref _callsMade);

    /// <summary>Where this client's calls and limit readings are also tallied for the report (the session's database); null: nowhere.</summary>
    internal Report.ApiUsageRecorder? UsageRecorder { get; set; }

    /// <summary>The instance the current session talks to (instance_url of the token response).</summary>
    public Uri? InstanceUrl => _session?.InstanceUrl;

    /// <summary>The last Sforce-Limit-Info reading, if any call has been answered.</summary>
    public SalesforceApiUsage? Usage => Volatile.Read(ref _usage);

    /// <summary>The share of the org's daily API requests at which this client stops calling.</summary>
    public double MaxDailyUsageShare => _options.MaxDailyUsageShare;

    /// <summary>Proves the credentials by fetching a token (short retry policy).</summary>
    public async Task<SalesforceSession> AuthenticateAsync(CancellationToken cancellationToken)
    {
        var session = await _connectRetry.ExecuteAsync(async ct => await GetSessionAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new SalesforceSession(session.InstanceUrl, session.IssuedAt);
    }

    /// <summary>
    /// The API versions the instance serves ("66.0", ...), from GET /services/data/ (documented as needing no
    /// authentication), so a version it does not serve fails at connect rather than at the first query. Short retry
    /// policy; not counted in <see cref="CallsMade"/> (no run makes it).
    /// </summary>
    public async Task<IReadOnlyList<string>> ServedVersionsAsync(CancellationToken cancellationToken)
    {
        const string operation = "GET /services/data/";
        var session = await GetSessionAsync(cancellationToken).ConfigureAwait(false);
        return await _connectRetry.ExecuteAsync(async ct =>
        {
            var response = await RestTransport.SendAsync(session.Api, new RestRequest("services/data/", Method.Get), ServiceName, operation, ct).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is < 200 or >= 300)
            {
                var (code, message) = ReadError(response.Content);
                throw new SalesSyncApiException(ServiceName, code ?? $"HTTP {status}", $"{operation}: {message ?? "HTTP " + status}", SalesforceErrorClassifier.Classify(status, code, message));
            }
            using var doc = TryParse(response.Content);
            if (doc?.RootElement is not { ValueKind: JsonValueKind.Array } list)
                throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: the answer is not the list of API versions", ApiFailureKind.InvalidRequest);
            return (IReadOnlyList<string>)list.EnumerateArray()
                .Select(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("version", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null)
                .OfType<string>().ToList();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a SOQL query and streams its records, following nextRecordsUrl page by page.</summary>
    public async IAsyncEnumerable<JsonElement> QueryAsync(string soql, bool includeDeleted = false,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var path = $"services/data/{_options.ApiVersion}/{(includeDeleted ? "queryAll" : "query")}";
        IReadOnlyList<KeyValuePair<string, string>> query = [new("q", soql)];
        while (path is not null)
        {
            using var page = await SendAsync(Method.Get, path, query, cancellationToken).ConfigureAwait(false);
            var root = page.RootElement;
            if (root.TryGetProperty("records", out var records) && records.ValueKind == JsonValueKind.Array)
                foreach (var record in records.EnumerateArray()) yield return record.Clone();
            var done = !root.TryGetProperty("done", out var d) || d.ValueKind != JsonValueKind.False;
            path = !done && root.TryGetProperty("nextRecordsUrl", out var next) && next.ValueKind == JsonValueKind.String && next.GetString() is { Length: > 0 } url
                ? NextPagePath(url)
                : null;
            query = [];
        }
    }

    /// <summary>
    /// The path of a nextRecordsUrl, accepted only on this instance: the bearer token goes with the next
    /// call, so a URL naming any other host (or scheme, or port) is refused, never followed.
    /// </summary>
    internal string NextPagePath(string nextRecordsUrl)
    {
        var instance = _session?.InstanceUrl ?? _options.BaseUri;
        if (Uri.TryCreate(nextRecordsUrl, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            if (!string.Equals(absolute.GetLeftPart(UriPartial.Authority), instance.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase)
                || absolute.UserInfo.Length > 0)
                throw new SalesSyncApiException(ServiceName, "UNTRUSTED_NEXT_URL",
                    $"The query's nextRecordsUrl points to {UriPolicy.Display(new Uri(absolute.GetLeftPart(UriPartial.Authority)))}, not to the instance {instance.GetLeftPart(UriPartial.Authority)}; it was not followed.",
                    ApiFailureKind.InvalidRequest);
            return absolute.PathAndQuery.TrimStart('/');
        }
        if (!nextRecordsUrl.StartsWith('/') || nextRecordsUrl.StartsWith("//", StringComparison.Ordinal) || nextRecordsUrl.Contains('\\') || nextRecordsUrl.Contains("://", StringComparison.Ordinal))
            throw new SalesSyncApiException(ServiceName, "UNTRUSTED_NEXT_URL", "The query's nextRecordsUrl is not a path on the instance; it was not followed.", ApiFailureKind.InvalidRequest);
        return nextRecordsUrl.TrimStart('/');
    }

    /// <summary>One REST call (path relative to the instance), retried and re-authenticated as classified.</summary>
    public async Task<JsonDocument> SendAsync(Method method, string path, IReadOnlyList<KeyValuePair<string, string>> query, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await SendWithReauthenticationAsync(method, path, query, null, [], ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A write with a JSON body (sObject Collections) that is not idempotent: retried only when Salesforce
    /// refused it unprocessed (concurrency limits, an expired session); a timeout, reset or 5xx may have
    /// committed, so the caller finds out what arrived before sending again.
    /// </summary>
    public async Task<JsonDocument> WriteAsync(Method method, string path, string jsonBody, CancellationToken cancellationToken) =>
        await _writeRetry.ExecuteAsync(async ct => await SendWithReauthenticationAsync(method, path, [], jsonBody, [], ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A write that may be repeated without harm (setting a field to a fixed value), so it is retried as
    /// reads are; <paramref name="headers"/> go on every attempt (e.g. Sforce-Auto-Assign: FALSE).
    /// </summary>
    public async Task<JsonDocument> IdempotentWriteAsync(Method method, string path, string jsonBody, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await SendWithReauthenticationAsync(method, path, [], jsonBody, headers, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>The versioned REST path of a resource, e.g. "composite/sobjects".</summary>
    public string DataPath(string resource) => $"services/data/{_options.ApiVersion}/{resource}";

    private Task<JsonDocument> SendWithReauthenticationAsync(Method method, string path, IReadOnlyList<KeyValuePair<string, string>> query, string? jsonBody,
        IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct) =>
        Reauthentication.RunAsync(ServiceName, () => SendOnceAsync(method, path, query, jsonBody, headers, ct), () => _session = null);

    private async Task<JsonDocument> SendOnceAsync(Method method, string path, IReadOnlyList<KeyValuePair<string, string>> query, string? jsonBody,
        IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var operation = RestTransport.Operation(method, path.Split('?')[0]);
        if (Usage is { Max: > 0 } usage && usage.Used >= usage.Max * _options.MaxDailyUsageShare)
            throw new SalesSyncApiException(ServiceName, "REQUEST_LIMIT_EXCEEDED",
                $"{operation}: the org has used {usage.Used} of {usage.Max} daily API requests; SalesSync stops at {_options.MaxDailyUsageShare:P0} to leave room for other integrations.",
                ApiFailureKind.QuotaExhausted);

        var session = await GetSessionAsync(ct).ConfigureAwait(false);
        var request = new RestRequest(path, method);
        foreach (var (k, v) in query) request.AddQueryParameter(k, v);
        if (jsonBody is not null) request.AddStringBody(jsonBody, DataFormat.Json);
        foreach (var (name, value) in headers) request.AddHeader(name, value);
        request.AddHeader("Authorization", "Bearer " + session.Token);
        Interlocked.Increment(ref _callsMade);
        UsageRecorder?.SalesforceCall();
        var response = await RestTransport.SendAsync(session.Api, request, ServiceName, operation, ct).ConfigureAwait(false);
        ServerClock.Observe(response, _time.GetUtcNow());
        ReadUsage(response);

        var status = (int)response.StatusCode;
        if (status is >= 200 and < 300)
        {
            try
            {
                return JsonDocument.Parse(string.IsNullOrEmpty(response.Content) ? "{}" : response.Content);
            }
            catch (JsonException)
            {
                throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: the response was not JSON", ApiFailureKind.Transient);
            }
        }
        var (code, message) = ReadError(response.Content);
        var kind = SalesforceErrorClassifier.Classify(status, code, message);
        throw new SalesSyncApiException(ServiceName, code ?? $"HTTP {status}", $"{message ?? response.StatusDescription ?? "error"} ({operation}, HTTP {status})", kind)
        {
            RetryAfter = RestTransport.RetryAfter(response, _time.GetUtcNow()),
        };
    }

    /// <summary>Salesforce errors are a JSON array of {message, errorCode}; edge errors may be HTML.</summary>
    private static (string? Code, string? Message) ReadError(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(content);
            var first = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().FirstOrDefault() : doc.RootElement;
            if (first.ValueKind != JsonValueKind.Object) return (null, null);
            string? Get(string name) => first.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Get("errorCode") ?? Get("error"), Get("message") ?? Get("error_description"));
        }
        catch (JsonException)
        {
            return (null, "non-JSON error body");
        }
    }

    private void ReadUsage(RestResponse response)
    {
        var header = response.Headers?.FirstOrDefault(h => string.Equals(h.Name, "Sforce-Limit-Info", StringComparison.OrdinalIgnoreCase))?.Value;
        if (header is null) return;
        var m = UsagePattern().Match(header);
        if (!m.Success) return;
        var usage = new SalesforceApiUsage(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Volatile.Write(ref _usage, usage);
        UsageRecorder?.SalesforceOrgUsage(usage.Used, usage.Max);
    }

    private async Task<Session> GetSessionAsync(CancellationToken ct)
    {
        if (_session is { } live) return live;
        await _tokenLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return _session ??= await FetchSessionAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private async Task<Session> FetchSessionAsync(CancellationToken ct)
    {
        const string operation = "POST /services/oauth2/token";
        EngineObserver.Current.Verbose($"Salesforce: requesting an access token for client id {_options.ClientId}.");
        var request = new RestRequest("services/oauth2/token", Method.Post);
        request.AddParameter("grant_type", "client_credentials", ParameterType.GetOrPost);
        request.AddParameter("client_id", _options.ClientId, ParameterType.GetOrPost);
        request.AddParameter("client_secret", _options.ClientSecret.Reveal(), ParameterType.GetOrPost);
        var response = await RestTransport.SendAsync(_auth, request, ServiceName, operation, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (status == 200)
        {
            // A 200 that is not the token JSON (a proxy's login page, an odd access_token) is a bad answer, as on the Marketo side.
            using var doc = TryParse(response.Content);
            var root = doc?.RootElement;
            if (root is not { ValueKind: JsonValueKind.Object } body)
                throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: the token endpoint answered 200 with something other than a JSON object (a proxy or login page?)", ApiFailureKind.InvalidRequest);
            var token = body.TryGetProperty("access_token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (string.IsNullOrEmpty(token) || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: the response has no usable access_token", ApiFailureKind.InvalidRequest);
            Uri instance = _options.BaseUri;
            if (body.TryGetProperty("instance_url", out var i))
            {
                if (i.ValueKind != JsonValueKind.String || !Uri.TryCreate(i.GetString(), UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https"))
                    throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: instance_url is not an absolute http(s) URL", ApiFailureKind.InvalidRequest);
                instance = u;
            }
            if (UriPolicy.Check(instance) is { } problem)
                throw new SalesSyncApiException(ServiceName, "INSECURE_INSTANCE", $"{operation}: instance_url refused. {problem}", ApiFailureKind.Unauthorized);
            if (body.TryGetProperty("id", out var identity) && identity.ValueKind == JsonValueKind.String
                && Uri.TryCreate(identity.GetString(), UriKind.Absolute, out var identityUrl)
                && People.SalesforceIds.To18(identityUrl.Segments.LastOrDefault()?.TrimEnd('/')) is { } user && user.StartsWith("005", StringComparison.Ordinal))
                RunningUserId = user;
            EngineObserver.Current.Verbose($"Salesforce: access token received for instance {instance.GetLeftPart(UriPartial.Authority)}.");
            // Reuse the HTTP client across re-authentications unless the instance moved.
            if (_api is null || _api.Options.BaseUrl != UriPolicy.Normalize(instance))
            {
                _api?.Dispose();
                _api = RestTransport.CreateClient(instance, _options.Timeout);
            }
            return new Session(token, instance, _api, _time.GetUtcNow());
        }
        var (code, message) = ReadError(response.Content);
        var kind = status is 400 or 401 or 403 ? ApiFailureKind.Unauthorized : SalesforceErrorClassifier.Classify(status, code, message);
        throw new SalesSyncApiException(ServiceName, code ?? $"HTTP {status}",
            kind == ApiFailureKind.Unauthorized ? $"The token endpoint refused the client credentials: {message ?? code}" : $"{operation}: {message ?? "HTTP " + status}", kind);
    }

    private static JsonDocument? TryParse(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try { return JsonDocument.Parse(content); }
        catch (JsonException) { return null; }
    }

    [GeneratedRegex(@"api-usage=(\d+)/(\d+)")]
    private static partial Regex UsagePattern();

    [GeneratedRegex(@"^v\d{2,3}\.0$")]
    private static partial Regex VersionPattern();

    public void Dispose()
    {
        _api?.Dispose();
        _auth.Dispose();
        _tokenLock.Dispose();
    }
}
