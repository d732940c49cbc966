using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>Raw HTTP helpers for the sandbox contract tests (no engine code involved).</summary>
internal static class SandboxTestHelpers
{
    /// <summary>A POST with a form body (pairs may repeat a key, as Python's requests sends a list) and a bearer token.</summary>
    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> PostFormAsync(
        this RunningSandbox sb, Uri baseUri, string pathAndQuery, string? token, params (string Key, string Value)[] form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, pathAndQuery))
        {
            Content = new FormUrlEncodedContent(form.Select(p => new KeyValuePair<string, string>(p.Key, p.Value))),
        };
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        var response = await sb.Http.SendAsync(request);
        return ((int)response.StatusCode, await ParseAsync(response), response);
    }

    /// <summary>
    /// A request to the Salesforce side with a bearer token, a JSON body (an object is serialised; null sends none)
    /// and extra headers; returns status and parsed JSON.
    /// </summary>
    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SalesforceSendAsync(
        this RunningSandbox sb, HttpMethod method, string pathAndQuery, string? token, object? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(sb.Salesforce, pathAndQuery));
        // Property names as written (Salesforce field names are PascalCase), not JsonContent's camelCase default.
        if (body is not null) request.Content = body as HttpContent ?? JsonContent.Create(body, body.GetType(), options: new JsonSerializerOptions());
        if (token is not null) request.Headers.Authorization = new("Bearer", token);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        var response = await sb.Http.SendAsync(request);
        return ((int)response.StatusCode, await ParseAsync(response), response);
    }

    public static async Task<JsonNode?> ParseAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try { return text.Length > 0 ? JsonNode.Parse(text) : null; }
        catch (JsonException) { return null; }
    }

    public static string? ErrorCode(JsonNode? body) =>
        body?["success"]?.GetValue<bool>() == false ? body["errors"]![0]!["code"]!.GetValue<string>() : null;

    public static async Task ClearFaultsAsync(this RunningSandbox sb) =>
        (await sb.Http.DeleteAsync(new Uri(sb.Control, "faults"))).EnsureSuccessStatusCode();

    public static async Task<JsonNode> FaultsAsync(this RunningSandbox sb) =>
        JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "faults")))!;

    public static async Task<HttpResponseMessage> PostFaultRawAsync(this RunningSandbox sb, object rule) =>
        await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), rule);

    /// <summary>Polls the control API until <paramref name="condition"/> holds; fails after <paramref name="limit"/>.</summary>
    public static async Task WaitForStatsAsync(this RunningSandbox sb, Func<JsonNode, bool> condition, TimeSpan limit, string what)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var stats = await sb.StatsAsync();
            if (condition(stats)) return;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting for {what}; stats: {stats.ToJsonString()}");
            await Task.Delay(20);
        }
    }
}
