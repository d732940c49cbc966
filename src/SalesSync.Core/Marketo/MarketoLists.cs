using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SalesSync.Core.Marketo;

/// <summary>A Marketo static or smart list, as Marketo describes it (neither listing gives a member count).</summary>
public sealed record MarketoListInfo
{
    /// <summary>Static or Smart.</summary>
    public required string Type { get; init; }
    public required long Id { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The program a static list belongs to (lists.json programName).</summary>
    public string? ProgramName { get; init; }

    /// <summary>The folder or program a smart list is in (Asset API folder id and type).</summary>
    public long? FolderId { get; init; }
    public string? FolderType { get; init; }
    public string? Workspace { get; init; }
    public string? Url { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>Which lists to read: the kinds, and optionally only these ids (each kind is asked for each id).</summary>
public sealed record MarketoListQuery(bool Static, bool Smart, IReadOnlyList<long>? Ids = null);

/// <summary>
/// Reads list definitions: static lists from the Lead Database (GET lists.json, 300 a page, nextPageToken; by id,
/// the id parameter, one call for up to 300 ids), smart lists from the Asset API (GET smartLists.json, offset and
/// maxReturn 200, until a short page or "No assets found"; by id, smartList/{id}.json, one call each).
/// </summary>
internal sealed class MarketoLists(MarketoClient marketo)
{
    private const int SmartPageSize = 200;

    public async IAsyncEnumerable<MarketoListInfo> ReadAsync(MarketoListQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        if (query.Static)
            await foreach (var list in StaticAsync(query.Ids, ct).ConfigureAwait(false)) yield return list;
        if (query.Smart)
            await foreach (var list in SmartAsync(query.Ids, ct).ConfigureAwait(false)) yield return list;
    }

    private async IAsyncEnumerable<MarketoListInfo> StaticAsync(IReadOnlyList<long>? ids, [EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var chunk in ids is null ? [null] : ids.Distinct().Chunk(MarketoClient.MaxBatchSize))
        {
            string? token = null;
            do
            {
                var parameters = new List<KeyValuePair<string, string>> { new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture)) };
                if (chunk is not null) parameters.Add(new("id", string.Join(',', chunk.Select(i => i.ToString(CultureInfo.InvariantCulture)))));
                if (token is not null) parameters.Add(new("nextPageToken", token));
                var page = await marketo.GetAsync("rest/v1/lists.json", parameters, ct).ConfigureAwait(false);
                foreach (var item in page.Result)
                    if (Id(item) is { } id)
                        yield return new MarketoListInfo
                        {
                            Type = "Static",
                            Id = id,
                            Name = MarketoResponse.String(item, "name"),
                            Description = MarketoResponse.String(item, "description"),
                            ProgramName = MarketoResponse.String(item, "programName"),
                            Workspace = MarketoResponse.String(item, "workspaceName"),
                            CreatedAt = Date(item, "createdAt"),
                            UpdatedAt = Date(item, "updatedAt"),
                        };
                token = page.ContinuationToken;
            } while (token is not null);
        }
    }

    private async IAsyncEnumerable<MarketoListInfo> SmartAsync(IReadOnlyList<long>? ids, [EnumeratorCancellation] CancellationToken ct)
    {
        if (ids is not null)
        {
            foreach (var id in ids.Distinct())
            {
                MarketoResponse answer;
                try
                {
                    answer = await marketo.GetAsync($"rest/asset/v1/smartList/{id.ToString(CultureInfo.InvariantCulture)}.json", null, ct).ConfigureAwait(false);
                }
                catch (Http.SalesSyncApiException e) when (e.Code is "1013" or "702" or "610")
                {
                    continue; // not found, as GetSmartListNameAsync reads these codes
                }
                foreach (var item in answer.Result) if (Smart(item) is { } list) yield return list;
            }
            yield break;
        }
        for (var offset = 0; ; offset += SmartPageSize)
        {
            var page = await marketo.GetAsync("rest/asset/v1/smartLists.json",
                [new("offset", offset.ToString(CultureInfo.InvariantCulture)), new("maxReturn", SmartPageSize.ToString(CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
            foreach (var item in page.Result) if (Smart(item) is { } list) yield return list;
            if (page.Result.Count < SmartPageSize) yield break;
        }
    }

    private static MarketoListInfo? Smart(JsonElement item)
    {
        if (Id(item) is not { } id) return null;
        var folder = item.TryGetProperty("folder", out var f) && f.ValueKind == JsonValueKind.Object ? f : default;
        return new MarketoListInfo
        {
            Type = "Smart",
            Id = id,
            Name = MarketoResponse.String(item, "name"),
            Description = MarketoResponse.String(item, "description"),
            FolderId = folder.ValueKind == JsonValueKind.Object && long.TryParse(MarketoResponse.String(folder, "id"), NumberStyles.None, CultureInfo.InvariantCulture, out var fid) ? fid : null,
            FolderType = folder.ValueKind == JsonValueKind.Object ? MarketoResponse.String(folder, "type") : null,
            Workspace = MarketoResponse.String(item, "workspace"),
            Url = MarketoResponse.String(item, "url"),
            CreatedAt = Date(item, "createdAt"),
            UpdatedAt = Date(item, "updatedAt"),
        };
    }

    private static long? Id(JsonElement item) =>
        long.TryParse(MarketoResponse.String(item, "id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>
    /// A date as the Lead Database writes it (2016-01-01T00:00:00Z) or the Asset API does (2019-06-03T23:01:13Z+0000,
    /// a Z followed by an offset); null when absent or unreadable.
    /// </summary>
    internal static DateTimeOffset? Date(JsonElement item, string name)
    {
        if (MarketoResponse.String(item, name) is not { Length: > 0 } text) return null;
        var zPlus = text.IndexOf("Z+", StringComparison.Ordinal);
        if (zPlus > 0) text = text[..zPlus] + text[(zPlus + 1)..];
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at.ToUniversalTime() : null;
    }
}
