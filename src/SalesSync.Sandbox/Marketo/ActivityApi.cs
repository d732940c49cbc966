using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Marketo's activity endpoints over the world's activity log: Get Paging Token, Get Lead Activities,
/// Get Lead Changes, Get Deleted Leads and Get Activity Types. They sit behind the same /rest gate as
/// every other call (token, limits, faults, stats). Paging follows Adobe's activities.md: every page
/// carries a <c>nextPageToken</c> (the last page too, so it can be kept as a watermark) and
/// <c>moreResult</c>; see README.md for each choice where the docs are silent.
/// </summary>
public static class ActivityApi
{
    private const int MaxActivityTypeIds = 10;
    private const int MaxLeadIds = 30;
    private const int MaxListMembers = 10_000;

    /// <summary>
    /// From 2026-09-30 (swagger and migration.md; activities.md says 2026-12-30) a listId whose list has
    /// 10,000 or more members fails with 1003. The earlier date is used.
    /// </summary>
    public static readonly DateTimeOffset ListLimitFrom = new(2026, 9, 30, 0, 0, 0, TimeSpan.Zero);

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/rest/v1/activities/pagingtoken.json", (Delegate)(async (HttpContext ctx) => GetPagingToken(await MarketoParameters.ReadAsync(ctx), state)));
        app.MapGet("/rest/v1/activities/types.json", () =>
        {
            lock (state.World.Sync) return MarketoEnvelope.Ok(ActivityTypeCatalog.Describe(state.World.CustomActivityTypes));
        });
        app.MapGet("/rest/v1/activities.json", (Delegate)(async (HttpContext ctx) => Activities(await MarketoParameters.ReadAsync(ctx), state)));
        app.MapGet("/rest/v1/activities/leadchanges.json", (Delegate)(async (HttpContext ctx) => LeadChanges(await MarketoParameters.ReadAsync(ctx), state)));
        app.MapGet("/rest/v1/activities/deletedleads.json", (Delegate)(async (HttpContext ctx) => DeletedLeads(await MarketoParameters.ReadAsync(ctx), state)));
    }

    private static IResult GetPagingToken(MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        var raw = p.Get("sinceDatetime");
        if (string.IsNullOrWhiteSpace(raw)) return MarketoEnvelope.Error(stats, "701", "sinceDatetime cannot be blank");
        if (!SinceDatetime.TryParse(raw.Trim(), out var since)) return MarketoEnvelope.Error(stats, "704", "Invalid date format");
        lock (state.World.Sync)
        {
            var world = state.World;
            world.Prune(state.Clock.UtcNow);
            var position = world.FirstActivityIdAtOrAfter(since) ?? world.NextActivityId;
            return MarketoEnvelope.Token(new ActivityPagingToken(position, since, Filler: ActivityPagingToken.FillerFor(state.Options.PagingTokenLength)).Encode());
        }
    }

    private static IResult LeadChanges(MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        if (RequireToken(p, stats) is { } missing) return missing;
        var rawFields = p.Get("fields");
        if (string.IsNullOrWhiteSpace(rawFields)) return MarketoEnvelope.Error(stats, "701", "fields cannot be blank");
        var fields = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in rawFields.Split(',').Select(f => f.Trim()).Where(f => f.Length > 0))
        {
            if (MarketoFieldCatalog.Find(name) is not { } field) return MarketoEnvelope.Error(stats, "1006", $"Field '{name}' not found");
            fields.Add(field.RestName);
        }
        if (fields.Count == 0) return MarketoEnvelope.Error(stats, "701", "fields cannot be blank");
        if (!CommonFilters(p, stats, out var common, out var error)) return error!;

        // New Lead always; Change Data Value only for a change of a field named in `fields` (Adobe: "the
        // fields ... you want to retrieve changes for"); a change of another field is not returned.
        bool Match(MarketoActivity a) => a.ActivityTypeId == ActivityTypes.NewLead
            || (a.ActivityTypeId == ActivityTypes.ChangeDataValue && a.Fields.Any(f => fields.Contains(f.Name)));
        return Page(state, common, [ActivityTypes.NewLead, ActivityTypes.ChangeDataValue], Match, LeadChangeJson);
    }

    private static IResult Activities(MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        if (RequireToken(p, stats) is { } missing) return missing;
        var rawTypes = p.Get("activityTypeIds");
        if (string.IsNullOrWhiteSpace(rawTypes)) return MarketoEnvelope.Error(stats, "701", "activityTypeIds cannot be blank");
        if (!TryIntegers(rawTypes, stats, out var typeIds, out var typeError)) return typeError!;
        if (typeIds.FirstOrDefault(t => t > int.MaxValue) is var tooBig and > 0)
            return MarketoEnvelope.Error(stats, "1001", $"Invalid value '{tooBig}'. Required of type 'Integer'");
        var types = typeIds.Select(t => (int)t).ToHashSet();
        if (types.Count == 0) return MarketoEnvelope.Error(stats, "701", "activityTypeIds cannot be blank");
        if (types.Count > MaxActivityTypeIds)
            return MarketoEnvelope.Error(stats, "1003", $"Too many activityTypeIds, max {MaxActivityTypeIds}");
        HashSet<long>? assets = null;
        if (p.Get("assetIds") is { } rawAssets && !string.IsNullOrWhiteSpace(rawAssets))
        {
            if (!TryIntegers(rawAssets, stats, out var assetIds, out var assetError)) return assetError!;
            assets = assetIds.ToHashSet();
        }
        if (!CommonFilters(p, stats, out var common, out var error)) return error!;
        bool Match(MarketoActivity a) => types.Contains(a.ActivityTypeId)
            && (assets is null || (a.PrimaryAttributeValueId is { } asset && assets.Contains(asset)));
        return Page(state, common, types, Match, ActivityJson);
    }

    private static IResult DeletedLeads(MarketoParameters p, SandboxState state)
    {
        var stats = state.MarketoStats;
        if (RequireToken(p, stats) is { } missing) return missing;
        if (!MarketoApi.TryBatchSize(p, stats, out var batchSize, out var batchError)) return batchError!;
        if (!ActivityPagingToken.TryDecode(p.Get("nextPageToken"), out var token))
            return MarketoEnvelope.Error(stats, "1001", "Invalid value for nextPageToken");
        // Get Deleted Leads takes no listId or leadIds (swagger).
        var common = new CommonQuery(token, batchSize, null, null);
        return Page(state, common, [ActivityTypes.DeleteLead], a => a.ActivityTypeId == ActivityTypes.DeleteLead, DeletedLeadJson);
    }

    private sealed record CommonQuery(ActivityPagingToken Token, int BatchSize, int? ListId, HashSet<long>? LeadIds);

    private static IResult? RequireToken(MarketoParameters p, ServiceStats stats) =>
        string.IsNullOrWhiteSpace(p.Get("nextPageToken")) ? MarketoEnvelope.Error(stats, "701", "nextPageToken cannot be blank") : null;

    /// <summary>batchSize, leadIds (≤30), listId and the token, shared by activities.json and leadchanges.json.</summary>
    private static bool CommonFilters(MarketoParameters p, ServiceStats stats, out CommonQuery query, out IResult? error)
    {
        query = null!;
        if (!MarketoApi.TryBatchSize(p, stats, out var batchSize, out error)) return false;
        HashSet<long>? leadIds = null;
        if (p.Get("leadIds") is { } rawLeads && !string.IsNullOrWhiteSpace(rawLeads))
        {
            if (!TryIntegers(rawLeads, stats, out var ids, out error)) return false;
            leadIds = ids.ToHashSet();
            if (leadIds.Count > MaxLeadIds)
            {
                error = MarketoEnvelope.Error(stats, "1003", $"Too many leadIds, max {MaxLeadIds}");
                return false;
            }
        }
        int? listId = null;
        if (p.Get("listId") is { } rawList && !string.IsNullOrWhiteSpace(rawList))
        {
            if (!int.TryParse(rawList.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                error = MarketoEnvelope.Error(stats, "1001", $"Invalid value '{rawList}'. Required of type 'Integer'");
                return false;
            }
            listId = id;
        }
        if (!ActivityPagingToken.TryDecode(p.Get("nextPageToken"), out var token))
        {
            error = MarketoEnvelope.Error(stats, "1001", "Invalid value for nextPageToken");
            return false;
        }
        query = new CommonQuery(token, batchSize, listId, leadIds);
        return true;
    }

    private static bool TryIntegers(string raw, ServiceStats stats, out List<long> values, out IResult? error)
    {
        values = [];
        error = null;
        foreach (var part in raw.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                error = MarketoEnvelope.Error(stats, "1001", $"Invalid value '{part}'. Required of type 'Integer'");
                return false;
            }
            values.Add(v);
        }
        return true;
    }

    /// <summary>
    /// The youngest token the call accepts: one whose "seen through" time is before now minus the shortest
    /// retention of the types the call can return could miss purged activities, so it is refused (1003).
    /// Null: nothing the call returns is ever purged (New Lead alone).
    /// </summary>
    private static TimeSpan? Horizon(IEnumerable<int> types)
    {
        TimeSpan? shortest = null;
        foreach (var keep in types.Select(ActivityTypes.Retention))
            if (keep is { } k && (shortest is null || k < shortest)) shortest = k;
        return shortest;
    }

    /// <summary>
    /// One page. Reads the log from the token's position, keeps matching activities dated at or after
    /// the token's time, up to batchSize. With more matches to come the token points just after the last
    /// activity read and moreResult is true; otherwise it points at the end of the log, "seen through" now,
    /// and moreResult is false: kept as a watermark, it returns exactly the activities logged later.
    /// </summary>
    private static IResult Page(SandboxState state, CommonQuery q, IReadOnlyCollection<int> types,
        Func<MarketoActivity, bool> match, Func<MarketoActivity, JsonObject> render)
    {
        var stats = state.MarketoStats;
        lock (state.World.Sync)
        {
            var world = state.World;
            var now = state.Clock.UtcNow;
            world.Prune(now);
            var token = q.Token;
            if (Horizon(types) is { } horizon && token.SeenThrough < now - horizon)
            {
                return MarketoEnvelope.Error(stats, "1003",
                    $"nextPageToken is older than the retained activity history ({horizon.TotalDays:0} days); the activities after it may have been purged");
            }
            HashSet<long>? members = null;
            if (q.ListId is { } listId)
            {
                if (!world.Lists.TryGetValue(listId, out var list)) return MarketoEnvelope.Error(stats, "1013", "Static list not found");
                if (now >= ListLimitFrom && list.Members.Count >= MaxListMembers)
                    return MarketoEnvelope.Error(stats, "1003", $"Static list {listId} has too many members ({list.Members.Count}); lists used with listId must have fewer than {MaxListMembers}");
                members = list.Members.ToHashSet();
            }

            var t = token.SeenThrough;
            // Person, list and date are read from the row's head first, so rows of other people are never rendered.
            MarketoActivity? WantedRow(int index)
            {
                var (leadId, at) = world.HeadAt(index);
                if (at < t || (q.LeadIds is not null && !q.LeadIds.Contains(leadId)) || (members is not null && !members.Contains(leadId))) return null;
                var row = world.ActivityLog[index];
                return match(row) ? row : null;
            }
            bool Wanted(int index) => WantedRow(index) is not null;

            var log = world.ActivityLog;
            var start = world.IndexOfActivityAtOrAfter(token.Position);
            var limit = q.BatchSize;
            if (state.Options.ActivityShortPages)
            {
                // Decided by the position alone, so the same log pages the same way in every run.
                var plan = Mix(token.Position, state.Options.Seed);
                if (plan % 3 == 0 && !token.AfterEmptyPage && AnyFrom(log.Count, start, Wanted))
                {
                    // An empty page with moreResult true, as Marketo serves while it scans a block with no
                    // matches; the new token differs and the next page is never empty again.
                    return MarketoEnvelope.Ok([], (token with { AfterEmptyPage = true }).Encode(), true);
                }
                if (plan % 3 == 1 && limit > 1) limit = 1 + (int)((plan / 3) % (ulong)(limit - 1));
            }

            var rows = new JsonArray();
            var i = start;
            var lastRead = -1;
            for (; i < log.Count && rows.Count < limit; i++)
            {
                lastRead = i;
                if (WantedRow(i) is { } row) rows.Add(render(row));
            }
            var more = AnyFrom(log.Count, i, Wanted);
            // Within a walk the token keeps its time: a custom activity dated by its client (backfilled, or in
            // the future) must not move it, or later rows dated before it would drop out depending on batchSize.
            var next = more && lastRead >= 0
                ? new ActivityPagingToken(world.IdAt(lastRead) + 1, t, Filler: token.Filler)
                : new ActivityPagingToken(Math.Max(world.NextActivityId, token.Position), Max(t, now), Filler: token.Filler);
            return MarketoEnvelope.Ok(rows, next.Encode(), more);
        }
    }

    private static bool AnyFrom(int count, int start, Func<int, bool> wanted)
    {
        for (var i = start; i < count; i++)
            if (wanted(i)) return true;
        return false;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    private static ulong Mix(long position, int seed)
    {
        var h = (ulong)position * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed * 0xC2B2AE3D27D4EB4FUL;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 29;
        return h;
    }

    /// <summary>The head every activity row starts with, in the order of Adobe's samples.</summary>
    private static JsonObject Head(MarketoActivity a) => new()
    {
        ["id"] = a.Id,
        ["marketoGUID"] = a.MarketoGuid,
        ["leadId"] = a.LeadId,
        ["activityDate"] = MarketoEnvelope.ToJson(a.ActivityDate),
        ["activityTypeId"] = a.ActivityTypeId,
    };

    private static void AddPrimary(JsonObject o, MarketoActivity a)
    {
        if (a.PrimaryAttributeValueId is { } pid) o["primaryAttributeValueId"] = pid;
        if (a.PrimaryAttributeValue is { } pv) o["primaryAttributeValue"] = pv;
    }

    /// <summary>Attributes with a value; empty ones are left out, as Adobe documents.</summary>
    private static JsonArray Attributes(IEnumerable<KeyValuePair<string, object?>> attributes) =>
        new(attributes.Where(kv => kv.Value is not null)
            .Select(kv => (JsonNode)new JsonObject { ["name"] = kv.Key, ["value"] = MarketoEnvelope.ToJson(kv.Value) }).ToArray());

    /// <summary>Get Lead Changes row: fields[] (the change; empty for New Lead) and attributes ending with "Lead ID" (Adobe's sample).</summary>
    private static JsonObject LeadChangeJson(MarketoActivity a)
    {
        var o = Head(a);
        o["fields"] = new JsonArray(a.Fields.Select(f =>
        {
            var field = new JsonObject { ["id"] = f.Id, ["name"] = f.Name };
            if (f.NewValue is not null) field["newValue"] = f.NewValue;
            if (f.OldValue is not null) field["oldValue"] = f.OldValue;
            return (JsonNode)field;
        }).ToArray());
        o["attributes"] = Attributes(a.Attributes.Append(new("Lead ID", a.LeadId)));
        return o;
    }

    /// <summary>
    /// Get Lead Activities row: primaryAttributeValueId/Value and attributes. A Change Data Value shows the
    /// field id and display name as primary attribute and its values as "New Value"/"Old Value" attributes.
    /// </summary>
    private static JsonObject ActivityJson(MarketoActivity a)
    {
        var o = Head(a);
        AddPrimary(o, a);
        IEnumerable<KeyValuePair<string, object?>> attributes = a.Attributes;
        if (a.ActivityTypeId == ActivityTypes.ChangeDataValue && a.Fields.Count > 0)
            attributes = new KeyValuePair<string, object?>[] { new("New Value", a.Fields[0].NewValue), new("Old Value", a.Fields[0].OldValue) }.Concat(attributes);
        o["attributes"] = Attributes(attributes);
        return o;
    }

    /// <summary>Get Deleted Leads row: the deleted person's id and name as primary attribute, attributes always [].</summary>
    private static JsonObject DeletedLeadJson(MarketoActivity a)
    {
        var o = Head(a);
        AddPrimary(o, a);
        o["attributes"] = new JsonArray();
        return o;
    }
}
