using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>Marketo's response envelope: always HTTP 200, success flag, string error codes.</summary>
public static class MarketoEnvelope
{
    private static long _sequence;

    public static string NewRequestId() =>
        $"{Random.Shared.Next(0x1000, 0xffff):x}#{DateTime.UtcNow.Ticks / 10000 + Interlocked.Increment(ref _sequence):x}";

    public static IResult Ok(JsonArray result, string? nextPageToken = null, bool? moreResult = null, JsonArray? warnings = null)
    {
        var body = new JsonObject { ["requestId"] = NewRequestId(), ["result"] = result, ["success"] = true };
        if (nextPageToken is not null) body["nextPageToken"] = nextPageToken;
        if (moreResult is not null) body["moreResult"] = moreResult;
        if (warnings is not null) body["warnings"] = warnings;
        return Results.Content(body.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8");
    }

    /// <summary>Get Paging Token's answer: no <c>result</c> member, only the token.</summary>
    public static IResult Token(string nextPageToken)
    {
        var body = new JsonObject { ["requestId"] = NewRequestId(), ["success"] = true, ["nextPageToken"] = nextPageToken };
        return Results.Content(body.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8");
    }

    public static IResult Error(ServiceStats stats, string code, string message)
    {
        stats.Error(code);
        var body = new JsonObject
        {
            ["requestId"] = NewRequestId(),
            ["success"] = false,
            ["errors"] = new JsonArray(new JsonObject { ["code"] = code, ["message"] = message }),
        };
        return Results.Content(body.ToJsonString(SandboxJson.Options), "application/json;charset=UTF-8");
    }

    /// <summary>Marketo's documented message for each code the sandbox issues on its own.</summary>
    public static string DefaultMessage(string code) => code switch
    {
        "601" => "Access token invalid",
        "602" => "Access token expired",
        "604" => "Request time-out",
        "606" => "Max rate limit '100' exceeded with in '20' secs",
        "607" => "Daily quota reached",
        "608" => "API Temporarily Unavailable",
        "610" => "Requested resource not found",
        "611" => "System error",
        "615" => "Concurrent access limit reached",
        "701" => "Field cannot be blank",
        "704" => "Invalid date format",
        "713" => "Transient Error",
        _ => "Error " + code,
    };

    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        bool b => b,
        long l => l,
        int i => i,
        double d => d,
        string s => s,
        _ => value.ToString(),
    };
}
