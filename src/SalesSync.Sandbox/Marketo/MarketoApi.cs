using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Extensions;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The Marketo Engage REST surface: Identity, Lead Database reads, static lists, activities (see
/// <see cref="ActivityApi"/>), custom activity types and Add Custom Activities (see <see cref="CustomActivityTypeApi"/>,
/// <see cref="ExternalActivityApi"/>), Bulk Lead Extract (see <see cref="BulkExtractApi"/>), usage stats.
/// </summary>
public static class MarketoApi
{
    private const int MaxBatch = 300;
    private const int MaxFilterMatches = 1000;
    private const int MaxUriBytes = 8 * 1024;
    private const int MaxBodyBytes = 1024 * 1024;
    private const string ApiUserItem = "marketo.apiUser";

    public static void Map(WebApplication app, SandboxState state)
    {
        var stats = state.MarketoStats;
        app.MapMethods("/identity/oauth/token", ["GET", "POST"], (Delegate)((HttpContext ctx) => Token(ctx, state)));
        app.Use((ctx, next) => IsApiPath(ctx.Request.Path) ? Gate(ctx, state, next) : next(ctx));
        app.Use((ctx, next) => ctx.Request.Path.StartsWithSegments("/rest") ? MethodOverride(ctx, next) : next(ctx));
        app.Use((ctx, next) => ResponseTimes.Apply(ctx, state, ResponseTimes.Marketo, next));
        // Route after the gate and the _method override, so a POST that asks for GET reaches the GET endpoint.
        app.UseRouting();

        // Read-only endpoints: GET, or POST with _method=GET (see MethodOverride). Any other POST (but the custom
        // activity writes and bulk calls mapped below) falls through to 610, as do all unemulated paths.
        // (Delegate) casts: a lambda of HttpContext alone would bind as a RequestDelegate and drop its result.
        app.MapGet("/rest/v1/leads.json", (Delegate)(async (HttpContext ctx) => GetLeads(await MarketoParameters.ReadAsync(ctx), state)));
        app.MapGet("/rest/v1/lead/{id}.json", async (string id, HttpContext ctx) => GetLead(id, await MarketoParameters.ReadAsync(ctx), state));
        app.MapGet("/rest/v1/leads/describe.json", () => MarketoEnvelope.Ok(new JsonArray(MarketoFieldCatalog.All.Select(DescribeField).ToArray())));
        app.MapGet("/rest/v1/leads/describe2.json", () => MarketoEnvelope.Ok(new JsonArray(Describe2())));
        app.MapGet("/rest/v1/lists.json", (Delegate)(async (HttpContext ctx) => GetLists(await MarketoParameters.ReadAsync(ctx), state)));
        app.MapGet("/rest/v1/lists/{id}.json", (string id) => GetList(id, state));
        app.MapGet("/rest/v1/lists/{id}/leads.json", async (string id, HttpContext ctx) => GetListMembers(id, await MarketoParameters.ReadAsync(ctx), state));
        app.MapGet("/rest/v1/list/{id}/leads.json", async (string id, HttpContext ctx) => GetListMembers(id, await MarketoParameters.ReadAsync(ctx), state));
        app.MapGet("/rest/v1/stats/usage.json", () => Usage(state));
        ActivityApi.Map(app, state);
        CustomActivityTypeApi.Map(app, state);
        ExternalActivityApi.Map(app, state);
        BulkExtractApi.Map(app, state);
        AssetSmartListApi.Map(app, state);
        app.MapFallback("{*path}", (HttpContext ctx) => IsApiPath(ctx.Request.Path)
            ? MarketoEnvelope.Error(stats, "610", "Requested resource not found")
            : Results.NotFound());
    }

    /// <summary>The API proper (/rest and /bulk, which Marketo meters alike); Identity is outside it.</summary>
    private static bool IsApiPath(PathString path) => path.StartsWithSegments("/rest") || path.StartsWithSegments("/bulk");

    /// <summary>The API user (client id) whose token the gate accepted for this call.</summary>
    public static string ApiUser(HttpContext ctx) => ctx.Items[ApiUserItem] as string ?? "";

    /// <summary>
    /// Marketo's long-query form: <c>POST …?_method=GET</c> with the parameters form-encoded is answered as
    /// the GET. Adobe's docs put <c>_method=GET</c> in the URL; public clients also put it in the form body,
    /// so both are accepted. The method seen by stats and faults stays the one on the wire (POST).
    /// </summary>
    private static async Task MethodOverride(HttpContext ctx, RequestDelegate next)
    {
        if (HttpMethods.IsPost(ctx.Request.Method))
        {
            var asGet = IsGetOverride(ctx.Request.Query["_method"]);
            if (!asGet && ctx.Request.HasFormContentType)
                asGet = IsGetOverride((await ctx.Request.ReadFormAsync(ctx.RequestAborted))["_method"]);
            if (asGet) ctx.Request.Method = HttpMethods.Get;
        }
        await next(ctx);
    }

    /// <summary>
    /// Everything under /rest and /bulk passes here: size limits (414/413), auth (601/602), faults, then the
    /// instance limits (615, 606, 607). Refused calls are not counted against window or quota.
    /// </summary>
    private static async Task Gate(HttpContext ctx, SandboxState state, RequestDelegate next)
    {
        var stats = state.MarketoStats;
        var endpoint = $"{ctx.Request.Method} {EndpointKey(ctx.Request.Path)}";
        stats.Call(endpoint);
        if (System.Text.Encoding.UTF8.GetByteCount(ctx.Request.GetEncodedPathAndQuery()) > MaxUriBytes)
        {
            if (!IsRead(ctx.Request, form: null)) stats.Write(endpoint);
            stats.Error("414");
            ctx.Response.StatusCode = StatusCodes.Status414UriTooLong;
            return;
        }
        if (ctx.Request.ContentLength > MaxBodyBytes)
        {
            if (!IsRead(ctx.Request, form: null)) stats.Write(endpoint);
            stats.Error("413");
            ctx.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }
        // Counted before anything can refuse the call, so a write attempt shows even when it is refused (601, 610, …).
        if (!await IsReadAsync(ctx)) stats.Write(endpoint);

        var auth = ctx.Request.Headers.Authorization.ToString();
        var token = auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? auth[7..].Trim() : null;
        switch (state.MarketoTokens.Check(token))
        {
            case TokenState.Expired:
                await MarketoEnvelope.Error(stats, "602", "Access token expired").ExecuteAsync(ctx);
                return;
            case not TokenState.Valid:
                await MarketoEnvelope.Error(stats, "601", "Access token invalid").ExecuteAsync(ctx);
                return;
        }
        ctx.Items[ApiUserItem] = state.MarketoTokens.ClientOf(token!);

        if (!state.MarketoLimits.TryEnterFlight())
        {
            await MarketoEnvelope.Error(stats, "615", "Concurrent access limit reached").ExecuteAsync(ctx);
            return;
        }
        // A call stops being "in flight" once its answer starts: a client that sends its next call on
        // receiving this answer must not race our bookkeeping into a false 615.
        var exited = 0;
        void Exit()
        {
            if (Interlocked.Exchange(ref exited, 1) == 0) state.MarketoLimits.ExitFlight();
        }
        ctx.Response.OnStarting(() =>
        {
            Exit();
            return Task.CompletedTask;
        });
        try
        {
            if (state.Faults.Match("marketo", ctx.Request.Method, ctx.Request.Path) is { } fault)
            {
                if (fault.Kind == "error")
                {
                    FaultResponses.AddHeaders(ctx, fault);
                    var code = fault.Code ?? "611";
                    await MarketoEnvelope.Error(stats, code, fault.Message ?? MarketoEnvelope.DefaultMessage(code)).ExecuteAsync(ctx);
                    return;
                }
                if (await FaultResponses.ApplyTransportFaultAsync(ctx, fault, stats, () => CountedNext(ctx, state, next))) return;
            }
            await CountedNext(ctx, state, next);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Whether a call only reads: GET (or HEAD), or a POST that asks to be answered as a GET (<c>_method=GET</c> in
    /// the URL or in a form body, as <see cref="MethodOverride"/> takes it). Every other call is a write attempt
    /// (Sync Leads, custom activity writes, bulk job create/enqueue/cancel, any PUT/DELETE), whatever its answer.
    /// </summary>
    private static async Task<bool> IsReadAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        if (IsRead(request, form: null)) return true;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.StartsWithSegments("/rest") || !request.HasFormContentType) return false;
        try
        {
            return IsRead(request, await request.ReadFormAsync(ctx.RequestAborted));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return false; // a form that cannot be read cannot ask for GET either
        }
    }

    private static bool IsRead(HttpRequest request, IFormCollection? form)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) return true;
        // The override is taken under /rest only (/bulk URLs are short, and a POST there is the POST).
        if (!HttpMethods.IsPost(request.Method) || !request.Path.StartsWithSegments("/rest")) return false;
        return IsGetOverride(request.Query["_method"]) || (form is not null && IsGetOverride(form["_method"]));
    }

    private static bool IsGetOverride(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Any(v => string.Equals(v?.Trim(), "GET", StringComparison.OrdinalIgnoreCase));

    private static async Task CountedNext(HttpContext ctx, SandboxState state, RequestDelegate next)
    {
        if (state.MarketoLimits.TryCount() is { } refused)
        {
            var message = refused == "606"
                ? $"Max rate limit '{state.Options.MarketoRateLimit}' exceeded with in '{state.Options.MarketoRateWindowSeconds}' secs"
                : MarketoEnvelope.DefaultMessage(refused);
            await MarketoEnvelope.Error(state.MarketoStats, refused, message).ExecuteAsync(ctx);
            return;
        }
        await next(ctx);
    }

    /// <summary>
    /// Collapses ids (numbers, and GUIDs such as bulk export ids) and custom activity type API names in paths so
    /// stats group by endpoint (e.g. /rest/v1/lead/{id}.json, /rest/v1/activities/external/type/{apiName}/approve.json).
    /// </summary>
    public static string EndpointKey(PathString path)
    {
        var segments = (path.Value ?? "").Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            var stem = s.EndsWith(".json", StringComparison.Ordinal) ? s[..^5] : s;
            if ((stem.Length > 0 && stem.All(char.IsAsciiDigit)) || Guid.TryParseExact(stem, "D", out _)) segments[i] = "{id}" + s[stem.Length..];
            else if (i >= 2 && segments[i - 1] == "type" && segments[i - 2] == "external") segments[i] = "{apiName}" + s[stem.Length..];
        }
        return string.Join('/', segments);
    }

    private static async Task<IResult> Token(HttpContext ctx, SandboxState state)
    {
        state.MarketoIdentityStats.Record(ctx.Request);
        if (state.Faults.Match("marketo", ctx.Request.Method, ctx.Request.Path) is { } fault)
        {
            if (fault.Kind == "error")
            {
                // Identity errors are OAuth-shaped, not the REST envelope.
                var error = fault.Code ?? "unauthorized";
                state.MarketoStats.Error(error);
                FaultResponses.AddHeaders(ctx, fault);
                return Results.Json(new { error, error_description = fault.Message ?? "Bad client credentials" }, statusCode: fault.Status ?? 401);
            }
            if (await FaultResponses.ApplyTransportFaultAsync(ctx, fault, state.MarketoStats, () => Task.CompletedTask))
                return Results.Empty;
        }
        var p = await MarketoParameters.ReadAsync(ctx);
        var grant = p.Get("grant_type");
        var clientId = p.Get("client_id");
        var secret = p.Get("client_secret");
        if (grant != "client_credentials" || string.IsNullOrEmpty(clientId))
            return Results.Json(new { error = "invalid_request", error_description = "Missing grant type or client id" }, statusCode: 400);
        if (clientId != state.Marketo.ClientId)
            return Results.Json(new { error = "unauthorized", error_description = "No client with requested id" }, statusCode: 401);
        if (secret != state.Marketo.ClientSecret)
            return Results.Json(new { error = "unauthorized", error_description = "Bad client credentials" }, statusCode: 401);
        var (token, remaining) = state.MarketoTokens.Issue(clientId, reuse: true);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = token,
            ["token_type"] = "bearer",
            ["expires_in"] = (int)Math.Floor(remaining.TotalSeconds),
            ["scope"] = "salessync-api@sandbox.example.com",
        });
    }

    private static IResult GetLeads(MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        var filterType = p.Get("filterType");
        var filterValues = p.Get("filterValues");
        if (string.IsNullOrWhiteSpace(filterType)) return MarketoEnvelope.Error(stats, "701", "filterType cannot be blank");
        if (string.IsNullOrWhiteSpace(filterValues)) return MarketoEnvelope.Error(stats, "701", "filterValues cannot be blank");
        var field = MarketoFieldCatalog.Find(filterType);
        var isExtra = MarketoFieldCatalog.ExtraFilterTypes.Contains(filterType);
        if (field is null && !isExtra) return MarketoEnvelope.Error(stats, "1006", $"Field '{filterType}' not found");
        if (field is { Searchable: false }) return MarketoEnvelope.Error(stats, "1011", $"Field '{filterType}' not supported");
        var values = filterValues.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
        if (values.Count > MaxBatch) return MarketoEnvelope.Error(stats, "1003", $"Too many filter values, max {MaxBatch}");
        if (!TryFields(p, stats, out var fields, out var fieldError)) return fieldError!;
        if (!TryBatchSize(p, stats, out var batchSize, out var batchError)) return batchError!;
        if (!PagingToken.TryDecode(p.Get("nextPageToken"), "leads", out var offset))
            return MarketoEnvelope.Error(stats, "1001", "Invalid value for nextPageToken");

        List<MarketoPerson> matches;
        lock (state.World.Sync)
        {
            var predicate = LeadFilter(filterType, values, state.World);
            matches = state.World.People.Where(predicate).Take(MaxFilterMatches + 1).ToList();
        }
        if (matches.Count > MaxFilterMatches) return MarketoEnvelope.Error(stats, "1003", "Too many results match the filter");
        var page = matches.Skip((int)offset).Take(batchSize).ToList();
        var more = offset + page.Count < matches.Count;
        lock (state.World.Sync)
        {
            var result = new JsonArray(page.Select(person => (JsonNode)Project(person, fields)).ToArray());
            return MarketoEnvelope.Ok(result, more ? PagingToken.Encode("leads", offset + page.Count) : null, more ? true : null);
        }
    }

    private static Func<MarketoPerson, bool> LeadFilter(string filterType, List<string> values, SandboxWorld world)
    {
        if (filterType.Equals("sfdcOpptyId", StringComparison.OrdinalIgnoreCase))
        {
            var opps = values.Select(SalesforceId.Normalize).Where(v => v is not null).ToHashSet();
            var contacts = world.Salesforce.All("OpportunityContactRole")
                .Where(r => opps.Contains((string)r["OpportunityId"]!)).Select(r => (string)r["ContactId"]!).ToHashSet();
            return p => p["sfdcContactId"] is string c && contacts.Contains(c);
        }
        if (MarketoFieldCatalog.ExtraFilterTypes.Contains(filterType)) return _ => false; // no cookies or social ids in the sandbox
        var restName = MarketoFieldCatalog.Find(filterType)!.RestName;
        var set = new HashSet<string>(values, StringComparer.OrdinalIgnoreCase);
        if (restName.StartsWith("sfdc", StringComparison.Ordinal))
            set = new HashSet<string>(values.Select(v => SalesforceId.Normalize(v) ?? v), StringComparer.Ordinal);
        return p => MarketoPerson.AsLogString(p[restName]) is { } v && set.Contains(v);
    }

    private static IResult GetLead(string id, MarketoParameters p, SandboxState state)
    {
        if (!TryFields(p, state.MarketoStats, out var fields, out var error)) return error!;
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var leadId))
            return MarketoEnvelope.Error(state.MarketoStats, "1001", $"Invalid value '{id}'. Required of type 'Integer'");
        lock (state.World.Sync)
        {
            var person = state.World.FindPerson(leadId);
            return MarketoEnvelope.Ok(person is null ? [] : new JsonArray(Project(person, fields)));
        }
    }

    private static IResult GetLists(MarketoParameters p, SandboxState state)
    {
        if (!TryBatchSize(p, state.MarketoStats, out var batchSize, out var batchError)) return batchError!;
        if (!PagingToken.TryDecode(p.Get("nextPageToken"), "lists", out var offset))
            return MarketoEnvelope.Error(state.MarketoStats, "1001", "Invalid value for nextPageToken");
        var ids = p.GetAll("id").SelectMany(v => v.Split(',')).ToHashSet();
        var names = p.GetAll("name").SelectMany(v => v.Split(',')).ToHashSet(StringComparer.OrdinalIgnoreCase);
        lock (state.World.Sync)
        {
            var lists = state.World.Lists.Values.OrderBy(l => l.Id)
                .Where(l => ids.Count == 0 || ids.Contains(l.Id.ToString(CultureInfo.InvariantCulture)))
                .Where(l => names.Count == 0 || names.Contains(l.Name)).ToList();
            var page = lists.Skip((int)offset).Take(batchSize).Select(ListJson).ToArray();
            var more = offset + page.Length < lists.Count;
            return MarketoEnvelope.Ok(new JsonArray(page), more ? PagingToken.Encode("lists", offset + page.Length) : null);
        }
    }

    private static IResult GetList(string id, SandboxState state)
    {
        lock (state.World.Sync)
        {
            return int.TryParse(id, out var listId) && state.World.Lists.TryGetValue(listId, out var list)
                ? MarketoEnvelope.Ok(new JsonArray(ListJson(list)))
                : MarketoEnvelope.Error(state.MarketoStats, "1013", "Static list not found");
        }
    }

    private static IResult GetListMembers(string id, MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        if (!TryFields(p, stats, out var fields, out var fieldError)) return fieldError!;
        if (!TryBatchSize(p, stats, out var batchSize, out var batchError)) return batchError!;
        if (!PagingToken.TryDecode(p.Get("nextPageToken"), "list" + id, out var offset))
            return MarketoEnvelope.Error(stats, "1001", "Invalid value for nextPageToken");
        lock (state.World.Sync)
        {
            if (!int.TryParse(id, out var listId) || !state.World.Lists.TryGetValue(listId, out var list))
                return MarketoEnvelope.Error(stats, "1013", "Static list not found");
            var page = list.Members.Skip((int)offset).Take(batchSize)
                .Select(state.World.FindPerson).Where(x => x is not null).Select(x => (JsonNode)Project(x!, fields)).ToArray();
            var consumed = Math.Min(batchSize, Math.Max(0, list.Members.Count - (int)offset));
            var more = offset + consumed < list.Members.Count;
            // Documented shape: nextPageToken while more remain, and no moreResult member.
            return MarketoEnvelope.Ok(new JsonArray(page), more ? PagingToken.Encode("list" + id, offset + consumed) : null);
        }
    }

    private static IResult Usage(SandboxState state)
    {
        var today = state.Clock.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var used = state.MarketoLimits.UsedToday;
        return MarketoEnvelope.Ok(new JsonArray(new JsonObject
        {
            ["date"] = today,
            ["total"] = used,
            ["users"] = new JsonArray(new JsonObject { ["userId"] = "salessync-api@sandbox.example.com", ["count"] = used }),
        }));
    }

    private static bool TryFields(MarketoParameters p, ServiceStats stats, out IReadOnlyList<string> fields, out IResult? error)
    {
        error = null;
        var raw = p.Get("fields");
        if (string.IsNullOrWhiteSpace(raw))
        {
            fields = MarketoFieldCatalog.DefaultFields;
            return true;
        }
        var list = new List<string>();
        foreach (var name in raw.Split(',').Select(f => f.Trim()).Where(f => f.Length > 0))
        {
            var field = MarketoFieldCatalog.Find(name);
            if (field is null)
            {
                fields = [];
                error = MarketoEnvelope.Error(stats, "1006", $"Field '{name}' not found");
                return false;
            }
            list.Add(field.RestName);
        }
        fields = list;
        return true;
    }

    internal static bool TryBatchSize(MarketoParameters p, ServiceStats stats, out int batchSize, out IResult? error)
    {
        error = null;
        batchSize = MaxBatch;
        var raw = p.Get("batchSize");
        if (raw is null) return true;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out batchSize) && batchSize is >= 1 and <= MaxBatch) return true;
        error = MarketoEnvelope.Error(stats, "1003", $"Invalid batchSize '{raw}', must be between 1 and {MaxBatch}");
        return false;
    }

    /// <summary>
    /// A lead with its id (Marketo always returns it, asked for or not) and the asked-for fields; null
    /// values are left out, as Marketo does.
    /// </summary>
    public static JsonObject Project(MarketoPerson person, IReadOnlyList<string> fields)
    {
        var o = new JsonObject { ["id"] = person.Id };
        foreach (var f in fields)
        {
            if (f.Equals("id", StringComparison.OrdinalIgnoreCase)) continue;
            if (MarketoEnvelope.ToJson(person[f]) is { } value) o[f] = value;
        }
        return o;
    }

    private static JsonObject ListJson(StaticList l)
    {
        var o = new JsonObject { ["id"] = l.Id, ["name"] = l.Name };
        if (l.Description is not null) o["description"] = l.Description;
        if (l.ProgramName is not null) o["programName"] = l.ProgramName;
        o["workspaceName"] = l.WorkspaceName;
        o["createdAt"] = MarketoEnvelope.ToJson(l.CreatedAt);
        o["updatedAt"] = MarketoEnvelope.ToJson(l.UpdatedAt);
        return o;
    }

    private static JsonNode DescribeField(MarketoField f)
    {
        var o = new JsonObject { ["id"] = f.Id, ["displayName"] = f.DisplayName, ["dataType"] = f.DataType };
        if (f.Length is { } len) o["length"] = len;
        o["rest"] = new JsonObject { ["name"] = f.RestName, ["readOnly"] = f.ReadOnly };
        o["soap"] = new JsonObject { ["name"] = f.SoapName, ["readOnly"] = f.ReadOnly };
        return o;
    }

    private static JsonNode Describe2() => new JsonObject
    {
        ["name"] = "API Lead",
        ["searchableFields"] = new JsonArray(MarketoFieldCatalog.All.Where(f => f.Searchable)
            .Select(f => (JsonNode)new JsonArray(f.RestName)).ToArray()),
        ["fields"] = new JsonArray(MarketoFieldCatalog.All.Select(f => (JsonNode)new JsonObject
        {
            ["name"] = f.RestName, ["displayName"] = f.DisplayName, ["dataType"] = f.DataType, ["length"] = f.Length,
            ["updateable"] = !f.ReadOnly, ["crmManaged"] = f.RestName.StartsWith("sfdc", StringComparison.Ordinal),
        }).ToArray()),
    };
}
