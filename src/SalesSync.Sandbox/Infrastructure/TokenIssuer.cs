namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Outcome of checking a presented access token.</summary>
public enum TokenState { Valid, Missing, Unknown, Expired }

/// <summary>
/// Issues and checks bearer tokens for one service. A client that asks again before expiry gets the
/// same token back (Marketo's documented behaviour); tokens are per client id.
/// </summary>
public sealed class TokenIssuer(SandboxClock clock, TimeSpan lifetime, Func<string> newToken)
{
    private readonly Dictionary<string, (string ClientId, DateTimeOffset ExpiresAt)> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _currentByClient = new(StringComparer.Ordinal);

    /// <summary>Returns the client's live token (or a new one) and its remaining lifetime.</summary>
    public (string Token, TimeSpan Remaining) Issue(string clientId, bool reuse)
    {
        lock (_tokens)
        {
            var now = clock.UtcNow;
            if (reuse && _currentByClient.TryGetValue(clientId, out var current) && _tokens[current].ExpiresAt > now)
                return (current, _tokens[current].ExpiresAt - now);
            var token = newToken();
            _tokens[token] = (clientId, now + lifetime);
            _currentByClient[clientId] = token;
            return (token, lifetime);
        }
    }

    public TokenState Check(string? token)
    {
        if (string.IsNullOrEmpty(token)) return TokenState.Missing;
        lock (_tokens)
        {
            if (!_tokens.TryGetValue(token, out var entry)) return TokenState.Unknown;
            return entry.ExpiresAt > clock.UtcNow ? TokenState.Valid : TokenState.Expired;
        }
    }

    /// <summary>The client id a token was issued to (null for a token never issued).</summary>
    public string? ClientOf(string token)
    {
        lock (_tokens) return _tokens.TryGetValue(token, out var entry) ? entry.ClientId : null;
    }

    /// <summary>Control hook: every token issued so far expires now.</summary>
    public int ExpireAll()
    {
        lock (_tokens)
        {
            var now = clock.UtcNow;
            foreach (var key in _tokens.Keys.ToList()) _tokens[key] = (_tokens[key].ClientId, now);
            return _tokens.Count;
        }
    }
}
