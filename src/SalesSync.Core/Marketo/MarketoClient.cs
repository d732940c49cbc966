using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Polly;
using RestSharp;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>Access token as Marketo's Identity service returned it.</summary>
internal sealed record MarketoToken(DateTimeOffset ExpiresAt, string? Scope);

/// <summary>
/// Marketo REST client: Identity tokens reused until shortly before expiry (fetched once for all
/// concurrent callers, credentials in a POST body), the instance's rate gate and daily budget,
/// classified retries (Polly) that honour Retry-After, one re-authentication on 601/602, and POST
/// _method=GET for URLs past the 8 KB limit. Thread-safe.
/// </summary>
internal sealed class MarketoClient : IDisposable
{
    public const string ServiceName = "Marketo";
    public const int MaxBatchSize = 300;
    private static readonly TimeSpan TokenRefreshMargin = TimeSpan.FromSeconds(60);

    private readonly MarketoClientOptions _options;
    private readonly RestClient _rest;
    private readonly MarketoRateGate _gate;
    private readonly ResiliencePipeline _retry;
    private readonly ResiliencePipeline _connectRetry;
    private readonly ResiliencePipeline _writeRetry;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _tokenLock = new(1, 1);
    private readonly Lazy<MarketoFileTransport> _files;
    private volatile TokenState? _token;

    /// <summary>A token and when to fetch the next one (<see cref="RefreshAt"/> is never after <see cref="ExpiresAt"/>).</summary>
    private sealed record TokenState(string Value, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAt, string? Scope);

    /// <summary>Marketo's own clock (its responses' Date headers): activity watermarks are taken on it, never on the local clock.</summary>
    public ServerClock ServerClock { get; } = new();

    public MarketoClient(MarketoClientOptions options, MarketoRateGate? gate = null, TimeProvider? time = null)
    {
        if (UriPolicy.Check(options.BaseUri) is { } problem) throw new ArgumentException(problem, nameof(options));
        _options = options;
        _time = time ?? TimeProvider.System;
        _rest = RestTransport.CreateClient(options.BaseUri, options.Timeout);
        _gate = gate ?? MarketoRateGate.For(options.BaseUri, options.Limits);
        // One clock for tokens and backoff, so tests can move time instead of waiting.
        _retry = RetryPipelineFactory.Create(ServiceName, options.Retry, _time);
        _connectRetry = RetryPipelineFactory.Create(ServiceName, RetrySettings.Connect, _time);
        _writeRetry = RetryPipelineFactory.Create(ServiceName, options.Retry, _time, onlyRefusals: true);
        _files = new Lazy<MarketoFileTransport>(() => new MarketoFileTransport(options.BaseUri, options.Timeout, this));
    }

    public Uri BaseUri => _options.BaseUri;
    public string ClientId => _options.ClientId;

    /// <summary>The instance's gate (shared by every client of the instance in this process).</summary>
    public MarketoRateGate Gate => _gate;

    private long _callsMade;

    /// <summary>REST calls this client has sent (retries included; Identity calls not), for run summaries.</summary>
    public long CallsMade => Interlocked.Read(ref _callsMade);

    /// <summary>When the token in use expires; null before the first token.</summary>
    public DateTimeOffset? TokenExpiresAt => _token?.ExpiresAt;

    /// <summary>Where this client's calls and usage readings are also tallied for the report (the session's database); null: nowhere.</summary>
    internal Report.ApiUsageRecorder? UsageRecorder { get; set; }

    /// <summary>Calls this process made today against the instance (client-side count).</summary>
    public int CallsToday => _gate.Budget.Used;

    /// <summary>Every integration's calls today on this instance (Marketo's figure at the last read plus ours since); null before a read.</summary>
    public int? InstanceCallsToday => _gate.Budget.InstanceUsedToday;

    /// <summary>Proves the credentials by fetching a token (short retry policy: a dead host fails fast).</summary>
    public async Task<MarketoToken> AuthenticateAsync(CancellationToken cancellationToken)
    {
        var token = await _connectRetry.ExecuteAsync(async ct => await GetTokenAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return new MarketoToken(token.ExpiresAt, token.Scope);
    }

    /// <summary>GET a REST path ("rest/v1/leads.json") with query parameters; retried and re-authenticated as classified.</summary>
    public Task<MarketoResponse> GetAsync(string path, IEnumerable<KeyValuePair<string, string>>? query, CancellationToken cancellationToken)
    {
        var parameters = query?.ToList() ?? [];
        return SendAsync(Method.Get, path, () => BuildRequest(path, parameters), cancellationToken);
    }

    /// <summary>POST a path with a JSON body (bulk export create) or none (enqueue, cancel); retried as classified.</summary>
    public Task<MarketoResponse> PostAsync(string path, string? jsonBody, CancellationToken cancellationToken) =>
        SendAsync(Method.Post, path, () =>
        {
            var request = new RestRequest(path, Method.Post);
            if (jsonBody is not null) request.AddStringBody(jsonBody, DataFormat.Json);
            return request;
        }, cancellationToken);

    /// <summary>
    /// A read sent as Marketo's long query: <c>POST path?_method=GET</c> with the parameters form-encoded,
    /// so 300 email addresses never hit a URL length limit. Retried as any read.
    /// </summary>
    public Task<MarketoResponse> GetByPostAsync(string path, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken) =>
        SendAsync(Method.Post, path, () => LongQuery(path, parameters), cancellationToken);

    /// <summary>
    /// POST a write that is not idempotent (Add Custom Activities): retried only when Marketo refused it
    /// unprocessed (606, 615, 601/602); any other failure may have landed and is left to the caller.
    /// </summary>
    public Task<MarketoResponse> PostWriteAsync(string path, string jsonBody, CancellationToken cancellationToken) =>
        SendAsync(Method.Post, path, () => new RestRequest(path, Method.Post).AddStringBody(jsonBody, DataFormat.Json), cancellationToken, _writeRetry);

    private Task<MarketoResponse> SendAsync(Method method, string path, Func<RestRequest> build, CancellationToken cancellationToken, ResiliencePipeline? retry = null) =>
        (retry ?? _retry).ExecuteAsync(async ct => await SendWithTokenDropAsync(method, path, build, ct).ConfigureAwait(false), cancellationToken).AsTask();

    /// <summary>Leads whose filterType field matches any of the values; values go 300 per call, pages are followed.</summary>
    public async IAsyncEnumerable<JsonElement> GetLeadsAsync(string filterType, IEnumerable<string> values, IEnumerable<string>? fields,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fieldList = fields is null ? null : string.Join(',', fields);
        foreach (var chunk in values.Distinct(StringComparer.Ordinal).Chunk(MaxBatchSize))
        {
            string? pageToken = null;
            do
            {
                var query = new List<KeyValuePair<string, string>>
                {
                    new("filterType", filterType),
                    new("filterValues", string.Join(',', chunk)),
                    new("batchSize", MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
                };
                if (fieldList is not null) query.Add(new("fields", fieldList));
                if (pageToken is not null) query.Add(new("nextPageToken", pageToken));
                var page = await GetAsync("rest/v1/leads.json", query, cancellationToken).ConfigureAwait(false);
                foreach (var lead in page.Result) yield return lead;
                pageToken = page.ContinuationToken;
            } while (pageToken is not null);
        }
    }

    /// <summary>Members of a static list, page by page (the endpoint signals the end by omitting nextPageToken; it has no moreResult).</summary>
    public async IAsyncEnumerable<JsonElement> GetStaticListMembersAsync(long listId, IEnumerable<string>? fields,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var fieldList = fields is null ? null : string.Join(',', fields);
        string? pageToken = null;
        do
        {
            var query = new List<KeyValuePair<string, string>> { new("batchSize", MaxBatchSize.ToString(CultureInfo.InvariantCulture)) };
            if (fieldList is not null) query.Add(new("fields", fieldList));
            if (pageToken is not null) query.Add(new("nextPageToken", pageToken));
            var page = await GetAsync($"rest/v1/lists/{listId.ToString(CultureInfo.InvariantCulture)}/leads.json", query, cancellationToken).ConfigureAwait(false);
            foreach (var lead in page.Result) yield return lead;
            pageToken = page.ContinuationToken;
        } while (pageToken is not null);
    }

    /// <summary>
    /// Reads today's API use of the instance (stats/usage.json: one call) and records it beside this process's
    /// own count (it does not spend the process's budget); returns the total Marketo reported, or null when it did not say.
    /// </summary>
    public async Task<int?> SeedDailyBudgetAsync(CancellationToken cancellationToken)
    {
        var usage = await GetAsync("rest/v1/stats/usage.json", null, cancellationToken).ConfigureAwait(false);
        var total = usage.Result.Select(r => MarketoResponse.String(r, "total")).FirstOrDefault(t => t is not null);
        if (!int.TryParse(total, NumberStyles.None, CultureInfo.InvariantCulture, out var used)) return null;
        _gate.Budget.Seed(used);
        UsageRecorder?.MarketoInstanceUsage(used);
        return used;
    }

    /// <summary>A static list's name (GET lists/{id}.json, one call), or null when Marketo does not know the id (1013).</summary>
    public async Task<string?> GetStaticListNameAsync(long listId, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await GetAsync($"rest/v1/lists/{listId.ToString(CultureInfo.InvariantCulture)}.json", null, cancellationToken).ConfigureAwait(false);
            return answer.Result.Select(r => MarketoResponse.String(r, "name") ?? "").FirstOrDefault();
        }
        catch (SalesSyncApiException e) when (e.Code is "1013" or "702")
        {
            return null;
        }
    }

    /// <summary>
    /// A smart list's name (Asset API GET smartList/{id}.json, one call), or null when Marketo does not know the id:
    /// the Asset API answers an unknown id with success and no result (a "No assets found" warning), or 702/1013.
    /// </summary>
    public async Task<string?> GetSmartListNameAsync(long smartListId, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await GetAsync($"rest/asset/v1/smartList/{smartListId.ToString(CultureInfo.InvariantCulture)}.json", null, cancellationToken).ConfigureAwait(false);
            return answer.Result.Select(r => MarketoResponse.String(r, "name") ?? "").FirstOrDefault();
        }
        catch (SalesSyncApiException e) when (e.Code is "1013" or "702" or "610")
        {
            return null;
        }
    }

    /// <summary>One page of a static list's members (the paging token from the previous page, or null for the first).</summary>
    public Task<MarketoResponse> GetStaticListPageAsync(long listId, IEnumerable<string> fields, string? pageToken, CancellationToken cancellationToken)
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("batchSize", MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
            new("fields", string.Join(',', fields)),
        };
        if (pageToken is not null) query.Add(new("nextPageToken", pageToken));
        return GetAsync($"rest/v1/lists/{listId.ToString(CultureInfo.InvariantCulture)}/leads.json", query, cancellationToken);
    }

    /// <summary>
    /// On 601/602 only the token this call used is dropped: if another caller already fetched a fresh
    /// one, it stays (no extra Identity call).
    /// </summary>
    private Task<MarketoResponse> SendWithTokenDropAsync(Method method, string path, Func<RestRequest> build, CancellationToken ct) =>
        WithTokenDrop(use => SendOnceAsync(method, path, build, use, ct));

    private Task<T> WithTokenDrop<T>(Func<Action<TokenState>, Task<T>> attempt)
    {
        TokenState? used = null;
        return Reauthentication.RunAsync(ServiceName, () => attempt(t => used = t), () => Interlocked.CompareExchange(ref _token, null, used));
    }

    private async Task<MarketoResponse> SendOnceAsync(Method method, string path, Func<RestRequest> build, Action<TokenState> useToken, CancellationToken ct)
    {
        var operation = RestTransport.Operation(method, path);
        using (await _gate.EnterAsync(ct).ConfigureAwait(false))
        {
            var token = await SpendCallAsync(operation, useToken, ct).ConfigureAwait(false);
            var request = build();
            request.AddHeader("Authorization", "Bearer " + token.Value);
            var response = await RestTransport.SendAsync(_rest, request, ServiceName, operation, ct).ConfigureAwait(false);
            ServerClock.Observe(response, _time.GetUtcNow());
            return Interpret(response, operation);
        }
    }

    /// <summary>Inside the gate: the token to send and one call taken from the daily budget.</summary>
    private async Task<TokenState> SpendCallAsync(string operation, Action<TokenState> useToken, CancellationToken ct)
    {
        // The token is taken after queueing at the gate, so a long wait cannot hand us a stale one.
        var token = await GetTokenAsync(ct).ConfigureAwait(false);
        useToken(token);
        if (!_gate.Budget.TryConsume())
        {
            // SalesSync's own cap, not Marketo's 607: said so, with its own code.
            var resumes = _gate.Budget.NextReset;
            throw new SalesSyncApiException(ServiceName, "DAILY_CAP",
                $"SalesSync's own daily cap of {_gate.Budget.Limit:N0} Marketo calls in this process is spent (Connect-SalesSync -MarketoDailyCallBudget); calls resume after midnight US Central ({resumes:u}). ({operation})",
                ApiFailureKind.QuotaExhausted) { ResumesAt = resumes };
        }
        Interlocked.Increment(ref _callsMade);
        UsageRecorder?.MarketoCall();
        return token;
    }

    /// <summary>
    /// Downloads a bulk export file (GET path) into <paramref name="file"/>, continuing at the file's
    /// current length with an HTTP Range request, so a dropped connection costs only what was not yet
    /// saved. A 200 to a ranged request (the server ignored the range) starts the file over.
    /// </summary>
    public Task<FileDownloadResult> DownloadAsync(string path, FileStream file, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct => await WithTokenDrop(use => DownloadOnceAsync(path, file, use, ct)).ConfigureAwait(false), cancellationToken).AsTask();

    private async Task<FileDownloadResult> DownloadOnceAsync(string path, FileStream file, Action<TokenState> useToken, CancellationToken ct)
    {
        var operation = RestTransport.Operation(Method.Get, path);
        using (await _gate.EnterAsync(ct).ConfigureAwait(false))
        {
            var token = await SpendCallAsync(operation, useToken, ct).ConfigureAwait(false);
            return await _files.Value.DownloadAsync(path, token.Value, file, operation, ct).ConfigureAwait(false);
        }
    }

    private RestRequest BuildRequest(string path, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        var get = new RestRequest(path, Method.Get);
        foreach (var (k, v) in query) get.AddQueryParameter(k, v);
        if (_rest.BuildUri(get).AbsoluteUri.Length <= _options.MaxGetUrlLength) return get;

        // Too long for a GET: Marketo's documented alternative is POST with _method=GET and a form body.
        return LongQuery(path, query);
    }

    private static RestRequest LongQuery(string path, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var post = new RestRequest(path, Method.Post);
        post.AddQueryParameter("_method", "GET");
        foreach (var (k, v) in parameters) post.AddParameter(k, v, ParameterType.GetOrPost);
        return post;
    }

    private MarketoResponse Interpret(RestResponse response, string operation)
    {
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            var kind = MarketoErrorClassifier.ClassifyHttp(status);
            throw new SalesSyncApiException(ServiceName, $"HTTP {status}", $"{operation}: HTTP {status} {response.StatusDescription}".TrimEnd(), kind)
            {
                RetryAfter = RestTransport.RetryAfter(response, _time.GetUtcNow()),
            };
        }
        MarketoResponse parsed;
        try
        {
            parsed = MarketoResponse.Parse(response.Content ?? "");
        }
        catch (JsonException)
        {
            throw new SalesSyncApiException(ServiceName, "BAD_RESPONSE", $"{operation}: the response was not Marketo JSON ({response.ContentType ?? "no content type"}, {response.Content?.Length ?? 0} characters)", ApiFailureKind.Transient);
        }
        return Succeeded(parsed, operation);
    }

    /// <summary>The envelope when it says success; otherwise the classified error it carries.</summary>
    internal MarketoResponse Succeeded(MarketoResponse parsed, string operation)
    {
        if (parsed.Success) return parsed;

        var error = parsed.Errors.FirstOrDefault() ?? new MarketoError("unknown", "success:false without errors");
        var failure = MarketoErrorClassifier.Classify(error.Code);
        if (failure == ApiFailureKind.QuotaExhausted)
        {
            _gate.Budget.MarkExhausted();
            throw QuotaExhausted(operation, $"{error.Code} {error.Message}");
        }
        throw new SalesSyncApiException(ServiceName, error.Code, $"{error.Message} ({operation}, requestId {parsed.RequestId})", failure);
    }

    private SalesSyncApiException QuotaExhausted(string operation, string why)
    {
        var resumes = _gate.Budget.NextReset;
        return new SalesSyncApiException(ServiceName, "607",
            $"Daily API quota reached ({why}); calls resume after midnight US Central ({resumes:u}). ({operation})",
            ApiFailureKind.QuotaExhausted) { ResumesAt = resumes };
    }

    /// <summary>
    /// The token to use now. Concurrent callers share one Identity call (single flight); whoever waited
    /// on the lock takes the token the first caller fetched.
    /// </summary>
    private async Task<TokenState> GetTokenAsync(CancellationToken ct)
    {
        if (_token is { } live && _time.GetUtcNow() < live.RefreshAt) return live;
        await _tokenLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is { } fresh && _time.GetUtcNow() < fresh.RefreshAt) return fresh;
            _token = await FetchTokenAsync(_token, ct).ConfigureAwait(false);
            return _token;
        }
        finally
        {
            _tokenLock.Release();
        }
    }

    private async Task<TokenState> FetchTokenAsync(TokenState? previous, CancellationToken ct)
    {
        // Credentials go in a form body, never the URL, where proxies and tracing would record them.
        var request = new RestRequest("identity/oauth/token", Method.Post);
        request.AddParameter("grant_type", "client_credentials", ParameterType.GetOrPost);
        request.AddParameter("client_id", _options.ClientId, ParameterType.GetOrPost);
        request.AddParameter("client_secret", _options.ClientSecret.Reveal(), ParameterType.GetOrPost);
        const string operation = "POST /identity/oauth/token";
        EngineObserver.Current.Verbose($"Marketo: requesting an access token for client id {_options.ClientId}.");
        var response = await RestTransport.SendAsync(_rest, request, ServiceName, operation, ct).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        using var doc = TryParse(response.Content);
        var root = doc?.RootElement;
        if (status == 200 && root is { ValueKind: JsonValueKind.Object } ok && MarketoResponse.String(ok, "access_token") is { Length: > 0 } value)
        {
            var seconds = ok.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var s) && s >= 0 ? s : 3600;
            var now = _time.GetUtcNow();
            var expires = now.AddSeconds(seconds);
            // Identity hands back the live token with its remaining lifetime until it expires, so asking
            // again inside the margin would only return the same token: use it to the end instead.
            var renewed = previous is null || previous.Value != value;
            var margin = TimeSpan.FromSeconds(Math.Min(TokenRefreshMargin.TotalSeconds, seconds / 2.0));
            var refreshAt = renewed ? expires - margin : expires;
            EngineObserver.Current.Verbose(renewed
                ? $"Marketo: access token received, valid for {seconds} s."
                : $"Marketo: Identity returned the current access token ({seconds} s left); using it until it expires.");
            return new TokenState(value, expires, refreshAt, MarketoResponse.String(ok, "scope"));
        }
        var description = root is { ValueKind: JsonValueKind.Object } err
            ? MarketoResponse.String(err, "error_description") ?? MarketoResponse.String(err, "error")
            : null;
        if (status is 400 or 401 or 403)
            throw new SalesSyncApiException(ServiceName, $"HTTP {status}",
                $"Identity refused the client credentials: {description ?? "unauthorized"}", ApiFailureKind.Unauthorized);
        throw new SalesSyncApiException(ServiceName, $"HTTP {status}", $"{operation}: {description ?? "unexpected response"}",
            status == (int)HttpStatusCode.OK ? ApiFailureKind.InvalidRequest : MarketoErrorClassifier.ClassifyHttp(status));
    }

    private static JsonDocument? TryParse(string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try { return JsonDocument.Parse(content); }
        catch (JsonException) { return null; }
    }

    public void Dispose()
    {
        _rest.Dispose();
        _tokenLock.Dispose();
        if (_files.IsValueCreated) _files.Value.Dispose();
    }
}
