using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>
/// Counts the requests that reach a token endpoint (Marketo Identity, Salesforce OAuth), faulted ones
/// included, so tests can see how often a client asks for a token and how it sends its credentials.
/// </summary>
public sealed class TokenRequestStats
{
    private long _requests;
    private long _get;
    private long _post;
    private long _credentialsInQuery;

    public void Record(HttpRequest request)
    {
        Interlocked.Increment(ref _requests);
        if (HttpMethods.IsGet(request.Method)) Interlocked.Increment(ref _get);
        else if (HttpMethods.IsPost(request.Method)) Interlocked.Increment(ref _post);
        if (request.Query.ContainsKey("client_secret")) Interlocked.Increment(ref _credentialsInQuery);
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _requests, 0);
        Interlocked.Exchange(ref _get, 0);
        Interlocked.Exchange(ref _post, 0);
        Interlocked.Exchange(ref _credentialsInQuery, 0);
    }

    /// <summary><c>{ requests, get, post, credentialsInQuery }</c>.</summary>
    public JsonObject ToJson() => new()
    {
        ["requests"] = Interlocked.Read(ref _requests),
        ["get"] = Interlocked.Read(ref _get),
        ["post"] = Interlocked.Read(ref _post),
        ["credentialsInQuery"] = Interlocked.Read(ref _credentialsInQuery),
    };
}
