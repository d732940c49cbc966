using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Sandbox;

namespace SalesSync.Core.Tests.Support;

/// <summary>An in-process sandbox plus helpers to talk to it raw (contract tests) or through the engine's clients.</summary>
public sealed class RunningSandbox : IAsyncDisposable
{
    private RunningSandbox(SandboxHost host)
    {
        Host = host;
        Http = new HttpClient();
    }

    public SandboxHost Host { get; }
    public HttpClient Http { get; }
    public Uri Marketo => Host.MarketoUri;
    public Uri Salesforce => Host.SalesforceUri;
    public Uri Control => Host.ControlUri;

    public static async Task<RunningSandbox> StartAsync(params string[] args) =>
        new(await SandboxHost.StartAsync(args.Length == 0 ? ["--people", "1500", "--seed", "11"] : args));

    /// <summary>Retry settings fast enough for tests (the same policy, shorter waits).</summary>
    public static RetrySettings FastRetry { get; } = new()
    {
        MaxRetries = 5,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        ThrottleDelay = TimeSpan.FromMilliseconds(50),
        MaxDelay = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// A client with its own gate, or with <paramref name="instanceGate"/> the process's one gate of the instance
    /// (as connections get it); <paramref name="time"/> replaces the clock for token expiry.
    /// </summary>
    internal MarketoClient NewMarketoClient(MarketoLimitSettings? limits = null, RetrySettings? retry = null, string? secret = null, int maxGetUrlLength = 7 * 1024,
        bool instanceGate = false, TimeProvider? time = null)
    {
        var settings = limits ?? new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 };
        return new MarketoClient(new MarketoClientOptions
        {
            BaseUri = Marketo,
            ClientId = Host.State.Marketo.ClientId,
            ClientSecret = new Secret(secret ?? Host.State.Marketo.ClientSecret),
            Limits = settings,
            Retry = retry ?? FastRetry,
            MaxGetUrlLength = maxGetUrlLength,
        }, instanceGate ? null : new MarketoRateGate(settings), time);
    }

    internal SalesforceClient NewSalesforceClient(RetrySettings? retry = null, string? secret = null) =>
        new(new SalesforceClientOptions
        {
            BaseUri = Salesforce,
            ClientId = Host.State.Salesforce.ClientId,
            ClientSecret = new Secret(secret ?? Host.State.Salesforce.ClientSecret),
            Retry = retry ?? FastRetry,
        });

    public async Task<string> MarketoTokenAsync()
    {
        var url = $"{Marketo}identity/oauth/token?grant_type=client_credentials&client_id={Uri.EscapeDataString(Host.State.Marketo.ClientId)}&client_secret={Uri.EscapeDataString(Host.State.Marketo.ClientSecret)}";
        var json = await Http.GetFromJsonAsync<JsonElement>(url);
        return json.GetProperty("access_token").GetString()!;
    }

    public async Task<string> SalesforceTokenAsync()
    {
        var response = await Http.PostAsync(new Uri(Salesforce, "services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = Host.State.Salesforce.ClientId,
            ["client_secret"] = Host.State.Salesforce.ClientSecret,
        }));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    /// <summary>GET with a bearer token; returns status and parsed JSON (null when not JSON).</summary>
    public async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> GetAsync(Uri baseUri, string pathAndQuery, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, pathAndQuery));
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try { body = text.Length > 0 ? JsonNode.Parse(text) : null; } catch (JsonException) { }
        return ((int)response.StatusCode, body, response);
    }

    public async Task FaultAsync(object rule)
    {
        var response = await Http.PostAsJsonAsync(new Uri(Control, "faults"), rule);
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonNode> StatsAsync() => JsonNode.Parse(await Http.GetStringAsync(new Uri(Control, "stats")))!;

    /// <summary>How many calls Marketo's endpoint <paramref name="key"/> ("POST /bulk/v1/leads/export/create.json") has had.</summary>
    public async Task<int> MarketoCallsAsync(string key) => (await StatsAsync())["marketo"]!["calls"]![key]?.GetValue<int>() ?? 0;

    /// <summary>
    /// Bulk jobs that finish in a moment (the sandbox refreshes status every 0.2 s; Marketo every 60 s) over a year of
    /// history: what the sync tests start a sandbox with.
    /// </summary>
    public static readonly string[] FastBulkJobs = ["--history-years", "1", "--bulk-processing-seconds", "0.1", "--bulk-status-refresh-seconds", "0.2"];

    /// <summary>A sandbox of <paramref name="people"/> generated from <paramref name="seed"/>, with <see cref="FastBulkJobs"/>.</summary>
    public static Task<RunningSandbox> StartWithFastBulkAsync(int people, int seed, params string[] more) =>
        StartAsync([.. new[] { "--people", people.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture) }, .. FastBulkJobs, .. more]);

    public async Task AdvanceClockAsync(double seconds) =>
        (await Http.PostAsJsonAsync(new Uri(Control, "clock/advance"), new { seconds })).EnsureSuccessStatusCode();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>Acts when the engine says something (a Ctrl+C at a chosen moment, a probe of its state): verbose lines that contain the text.</summary>
public sealed class OnVerbose(string text, Action act) : SalesSync.Core.Diagnostics.IEngineObserver
{
    public void Verbose(string message) { if (message.Contains(text, StringComparison.Ordinal)) act(); }
    public void Debug(string message) { }
    public void Warning(string message) { }
    public void Progress(SalesSync.Core.Diagnostics.EngineProgress progress) { }
}

/// <summary>Collects engine messages so tests can assert on -Verbose text (and on what it must never contain).</summary>
public sealed class RecordingObserver : SalesSync.Core.Diagnostics.IEngineObserver
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get { lock (_messages) return _messages.ToList(); }
    }

    public void Verbose(string message) { lock (_messages) _messages.Add("VERBOSE: " + message); }
    public void Debug(string message) { lock (_messages) _messages.Add("DEBUG: " + message); }
    public void Warning(string message) { lock (_messages) _messages.Add("WARNING: " + message); }
    public void Progress(SalesSync.Core.Diagnostics.EngineProgress progress) { lock (_messages) _messages.Add("PROGRESS: " + progress.Status); }
}
