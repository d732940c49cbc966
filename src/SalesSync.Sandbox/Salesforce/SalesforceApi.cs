using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// The Salesforce REST surface: OAuth client credentials, versions, the gate every versioned call passes, SOQL
/// query/queryAll with cursors, limits; record reads and writes live in <see cref="SObjectRecordApi"/> and
/// <see cref="CompositeSObjectsApi"/>.
/// </summary>
public static class SalesforceApi
{
    public const int MinVersion = 31;
    public const int MaxVersion = 67;
    private const int MaxUriBytes = 16_384;
    private static readonly TimeSpan CursorLifetime = TimeSpan.FromDays(2);

    private sealed record Cursor(string Id, SoqlExecutor Executor, List<SalesforceRecord> Rows, int BatchSize, DateTimeOffset ExpiresAt);

    public static void Map(WebApplication app, SandboxState state)
    {
        var cursors = new ConcurrentDictionary<string, Cursor>();
        app.MapPost("/services/oauth2/token", (Delegate)((HttpContext ctx) => Token(ctx, state)));
        app.MapGet("/services/data/", (HttpContext ctx) => Versions(ctx));
        app.Use((ctx, next) => IsVersionedRest(ctx.Request.Path) ? Gate(ctx, state, next) : next(ctx));
        app.Use((ctx, next) => ResponseTimes.Apply(ctx, state, ResponseTimes.Salesforce, next));

        app.MapGet("/services/data/{version}/query", (string version, HttpContext ctx) => Query(ctx, state, cursors, version, includeDeleted: false));
        app.MapGet("/services/data/{version}/queryAll", (string version, HttpContext ctx) => Query(ctx, state, cursors, version, includeDeleted: true));
        app.MapGet("/services/data/{version}/query/{locator}", (string version, string locator) => NextPage(state, cursors, version, locator));
        app.MapGet("/services/data/{version}/queryAll/{locator}", (string version, string locator) => NextPage(state, cursors, version, locator));
        app.MapGet("/services/data/{version}/limits", (string version) => Limits(state));
        SObjectRecordApi.Map(app, state);
        CompositeSObjectsApi.Map(app, state);
        ReplicationApi.Map(app, state);
        app.MapFallback("{*path}", () => NotFound(state));
    }

    private static bool IsVersionedRest(PathString path) =>
        path.StartsWithSegments("/services/data", out var rest) && rest.HasValue && rest.Value!.Length > 1;

    /// <summary>Version check (410/404), URI size (414), auth (401), faults, then the daily allocation (403).</summary>
    private static async Task Gate(HttpContext ctx, SandboxState state, RequestDelegate next)
    {
        var stats = state.SalesforceStats;
        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        stats.Call($"{ctx.Request.Method} /services/data/vXX.X/{Resource(segments)}");
        ctx.Response.OnStarting(() =>
        {
            // A fault may bring its own Sforce-Limit-Info (to play an org near its allocation); it wins.
            if (!ctx.Response.Headers.ContainsKey("Sforce-Limit-Info"))
                ctx.Response.Headers["Sforce-Limit-Info"] = $"api-usage={state.SalesforceLimits.Used}/{state.SalesforceLimits.Max}";
            return Task.CompletedTask;
        });

        var version = ParseVersion(segments[2]);
        if (version is null or > MaxVersion)
        {
            await NotFound(state).ExecuteAsync(ctx);
            return;
        }
        if (version < MinVersion)
        {
            await Error(state, 410, "API_DISABLED_FOR_ORG", $"API version {version}.0 has been retired").ExecuteAsync(ctx);
            return;
        }
        var uriBytes = Encoding.UTF8.GetByteCount(ctx.Request.Path + ctx.Request.QueryString.ToString());
        if (uriBytes > MaxUriBytes)
        {
            stats.Error("414");
            ctx.Response.StatusCode = StatusCodes.Status414UriTooLong;
            return;
        }
        var headerBytes = ctx.Request.Headers.Sum(h => h.Key.Length + 2 + h.Value.ToString().Length + 2);
        if (uriBytes + headerBytes > MaxUriBytes)
        {
            stats.Error("431");
            ctx.Response.StatusCode = StatusCodes.Status431RequestHeaderFieldsTooLarge;
            return;
        }
        if (ctx.Request.ContentLength > WriteRequest.MaxBodyBytes)
        {
            stats.Error("413");
            ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }
        // Kestrel's own cap is lower; a chunked body over the emulated limit is refused as it is read (WriteRequest).
        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit) bodyLimit.MaxRequestBodySize = WriteRequest.MaxBodyBytes;
        var auth = ctx.Request.Headers.Authorization.ToString();
        var token = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim()
            : auth.StartsWith("OAuth ", StringComparison.OrdinalIgnoreCase) ? auth[6..].Trim() : null;
        if (state.SalesforceTokens.Check(token) != TokenState.Valid)
        {
            await Error(state, 401, "INVALID_SESSION_ID", "Session expired or invalid").ExecuteAsync(ctx);
            return;
        }
        if (state.Faults.Match("salesforce", ctx.Request.Method, ctx.Request.Path) is { } fault)
        {
            if (fault.Kind == "error")
            {
                FaultResponses.AddHeaders(ctx, fault);
                var code = fault.Code ?? "UNKNOWN_EXCEPTION";
                await Error(state, fault.Status ?? DefaultStatus(code), code, fault.Message ?? code).ExecuteAsync(ctx);
                return;
            }
            if (await FaultResponses.ApplyTransportFaultAsync(ctx, fault, stats, () => CountedNext(ctx, state, next))) return;
        }
        await CountedNext(ctx, state, next);
    }

    /// <summary>
    /// The stats key of a path below the version, ids left out: "query", "sobjects/Task" (sobjects/Task/{id} too),
    /// "sobjects/Task/deleted" and "sobjects/Task/updated" (the replication resources), "composite/sobjects".
    /// </summary>
    private static string Resource(string[] segments)
    {
        if (segments.Length <= 3) return "";
        if (segments[3] == "sobjects" && segments.Length > 5 && segments[5] is "deleted" or "updated") return $"sobjects/{segments[4]}/{segments[5]}";
        return segments[3] is "sobjects" or "composite" && segments.Length > 4 ? $"{segments[3]}/{segments[4]}" : segments[3];
    }

    private static async Task CountedNext(HttpContext ctx, SandboxState state, RequestDelegate next)
    {
        if (!state.SalesforceLimits.TryCount())
        {
            await Error(state, 403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.").ExecuteAsync(ctx);
            return;
        }
        await next(ctx);
    }

    private static int DefaultStatus(string code) => code switch
    {
        "INVALID_SESSION_ID" => 401,
        "REQUEST_LIMIT_EXCEEDED" => 403,
        "SERVER_UNAVAILABLE" => 503,
        "UNKNOWN_EXCEPTION" => 500,
        "NOT_FOUND" => 404,
        _ => 400,
    };

    private static int? ParseVersion(string segment) =>
        segment.Length > 1 && segment[0] == 'v' && decimal.TryParse(segment[1..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)
            && v == Math.Floor(v) && segment.EndsWith(".0", StringComparison.Ordinal)
            ? (int)v
            : null;

    public static IResult NotFound(SandboxState state) => Error(state, 404, "NOT_FOUND", "The requested resource does not exist");

    public static IResult Error(SandboxState state, int status, string errorCode, string message)
    {
        state.SalesforceStats.Error(errorCode);
        var body = new JsonArray(new JsonObject { ["message"] = message, ["errorCode"] = errorCode });
        return Results.Content(body.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8", statusCode: status);
    }

    private static async Task<IResult> Token(HttpContext ctx, SandboxState state)
    {
        state.SalesforceTokenStats.Record(ctx.Request);
        if (state.Faults.Match("salesforce", ctx.Request.Method, ctx.Request.Path) is { } fault)
        {
            if (fault.Kind == "error")
            {
                // OAuth errors have their own shape: {error, error_description}, HTTP 400 unless told.
                var error = fault.Code ?? "invalid_client";
                state.SalesforceStats.Error(error);
                FaultResponses.AddHeaders(ctx, fault);
                return Results.Json(new { error, error_description = fault.Message ?? "invalid client credentials" }, statusCode: fault.Status ?? 400);
            }
            if (await FaultResponses.ApplyTransportFaultAsync(ctx, fault, state.SalesforceStats, () => Task.CompletedTask))
                return Results.Empty;
        }
        var host = ctx.Request.Host.Host;
        if (host.StartsWith("login.", StringComparison.OrdinalIgnoreCase) || host.StartsWith("test.", StringComparison.OrdinalIgnoreCase))
            return OAuthError("invalid_grant", "request not supported on this domain");
        if (!ctx.Request.HasFormContentType) return OAuthError("invalid_request", "Content type must be application/x-www-form-urlencoded");
        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var grant = form["grant_type"].ToString();
        if (grant != "client_credentials") return OAuthError("unsupported_grant_type", "grant type not supported");
        string clientId = form["client_id"].ToString(), secret = form["client_secret"].ToString();
        var basic = ctx.Request.Headers.Authorization.ToString();
        if (basic.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..].Trim()));
                var colon = pair.IndexOf(':');
                if (colon > 0) (clientId, secret) = (Uri.UnescapeDataString(pair[..colon]), Uri.UnescapeDataString(pair[(colon + 1)..]));
            }
            catch (FormatException) { return OAuthError("invalid_client", "invalid client credentials"); }
        }
        if (clientId != state.Salesforce.ClientId) return OAuthError("invalid_client_id", "client identifier invalid");
        if (secret != state.Salesforce.ClientSecret) return OAuthError("invalid_client", "invalid client credentials");

        var (token, _) = state.SalesforceTokens.Issue(clientId, reuse: false);
        var instance = $"{ctx.Request.Scheme}://{ctx.Request.Host}";
        return Results.Json(new Dictionary<string, string>
        {
            ["access_token"] = token,
            ["signature"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()),
            ["scope"] = "api",
            ["instance_url"] = instance,
            ["id"] = $"{instance}/id/00D5g0000000001AAA/{state.World.Salesforce.RunningUserId}",
            ["token_type"] = "Bearer",
            ["issued_at"] = state.Clock.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        });
    }

    private static IResult OAuthError(string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: 400);

    private static IResult Versions(HttpContext ctx)
    {
        // v67.0 = Summer '26, three releases a year going back: Summer, Spring, Winter.
        string[] releases = ["Summer", "Spring", "Winter"];
        var list = new JsonArray();
        for (var v = MinVersion; v <= MaxVersion; v++)
        {
            var offset = MaxVersion - v;
            list.Add(new JsonObject
            {
                ["label"] = $"{releases[offset % 3]} '{26 - offset / 3:00}",
                ["url"] = $"/services/data/v{v}.0",
                ["version"] = $"{v}.0",
            });
        }
        return Results.Content(list.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8");
    }

    private static IResult Query(HttpContext ctx, SandboxState state, ConcurrentDictionary<string, Cursor> cursors, string version, bool includeDeleted)
    {
        var soql = ctx.Request.Query["q"].ToString();
        try
        {
            var query = SoqlParser.Parse(soql);
            SoqlExecutor executor;
            List<SalesforceRecord> rows;
            lock (state.World.Sync)
            {
                executor = new SoqlExecutor(state.World.Salesforce, query, version);
                rows = executor.Run(includeDeleted, state.Clock.UtcNow);
            }
            if (query.IsCount)
                return Json(new JsonObject { ["totalSize"] = rows.Count, ["done"] = true, ["records"] = new JsonArray() });
            var cursor = new Cursor("01g5g" + Guid.NewGuid().ToString("N")[..13], executor, rows, BatchSize(ctx), state.Clock.UtcNow + CursorLifetime);
            return Page(state, cursors, cursor, version, 0);
        }
        catch (SoqlException e)
        {
            return Error(state, 400, e.ErrorCode, e.Message);
        }
    }

    private static IResult NextPage(SandboxState state, ConcurrentDictionary<string, Cursor> cursors, string version, string locator)
    {
        var dash = locator.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(locator[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            || !cursors.TryGetValue(locator[..dash], out var cursor) || cursor.ExpiresAt <= state.Clock.UtcNow || offset > cursor.Rows.Count)
            return Error(state, 400, "INVALID_QUERY_LOCATOR", "invalid query locator");
        return Page(state, cursors, cursor, version, offset);
    }

    private static IResult Page(SandboxState state, ConcurrentDictionary<string, Cursor> cursors, Cursor cursor, string version, int offset)
    {
        var end = Math.Min(cursor.Rows.Count, offset + cursor.BatchSize);
        var records = new JsonArray();
        lock (state.World.Sync)
        {
            for (var i = offset; i < end; i++) records.Add(cursor.Executor.Project(cursor.Rows[i]));
        }
        var body = new JsonObject { ["totalSize"] = cursor.Rows.Count, ["done"] = end >= cursor.Rows.Count };
        if (end < cursor.Rows.Count)
        {
            cursors[cursor.Id] = cursor;
            body["nextRecordsUrl"] = $"/services/data/{version}/query/{cursor.Id}-{end}";
        }
        else
        {
            cursors.TryRemove(cursor.Id, out _);
        }
        body["records"] = records;
        return Json(body);
    }

    /// <summary>Sforce-Query-Options: batchSize=N, clamped to 200..2000 (default 2000).</summary>
    private static int BatchSize(HttpContext ctx)
    {
        var header = ctx.Request.Headers["Sforce-Query-Options"].ToString();
        foreach (var part in header.Split([';', ','], StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("batchSize=", StringComparison.OrdinalIgnoreCase) && int.TryParse(part[10..], out var n))
                return Math.Clamp(n, 200, 2000);
        }
        return 2000;
    }

    private static IResult Limits(SandboxState state)
    {
        var limits = state.SalesforceLimits;
        return Json(new JsonObject
        {
            ["DailyApiRequests"] = new JsonObject { ["Max"] = limits.Max, ["Remaining"] = Math.Max(0, limits.Max - limits.Used) },
            ["DailyBulkV2QueryJobs"] = new JsonObject { ["Max"] = 10000, ["Remaining"] = 10000 },
            ["DailyBulkV2QueryFileStorageMB"] = new JsonObject { ["Max"] = 976562, ["Remaining"] = 976562 },
        });
    }

    public static IResult Json(JsonNode node, int status = StatusCodes.Status200OK) =>
        Results.Content(node.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8", statusCode: status);

    /// <summary>A REST error answer listing several errors, each with its fields.</summary>
    public static IResult Errors(SandboxState state, int status, IReadOnlyList<SalesforceError> errors)
    {
        foreach (var e in errors) state.SalesforceStats.Error(e.Code);
        return Json(new JsonArray(errors.Select(e => (JsonNode)e.ToRestJson()).ToArray()), status);
    }

    /// <summary>The answer to a request refused as a whole; 413 is a bare status, as the gate's 414 and 431 are.</summary>
    public static IResult RequestError(SandboxState state, SalesforceRequestException e)
    {
        if (e.Status != StatusCodes.Status413PayloadTooLarge) return Error(state, e.Status, e.ErrorCode, e.Message);
        state.SalesforceStats.Error("413");
        return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
    }
}
