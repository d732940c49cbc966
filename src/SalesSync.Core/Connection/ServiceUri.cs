using System.Globalization;
using SalesSync.Core.Http;

namespace SalesSync.Core.Connection;

/// <summary>
/// Turns what an admin types or pastes as a service URI into the base URI the clients use, or says why it cannot
/// be one. One rule set for parameters and SALESSYNC_* variables alike:
/// <list type="bullet">
/// <item>no scheme (123-ABC-456.mktorest.com): https:// is added, as PnP.PowerShell does for a bare host, because both
/// services are HTTPS-only; the note says so;</item>
/// <item>Marketo's Admin > Web Services page shows the REST endpoint as .../rest and the Identity one as .../identity:
/// those paths (and /rest/v1) are dropped with a note, since every call is made relative to the instance root;</item>
/// <item>an empty value, another path, a query string or a fragment are refused (a query or fragment would be sent
/// with every call or silently dropped; neither is what was meant).</item>
/// </list>
/// </summary>
public static class ServiceUri
{
    private static readonly string[] MarketoSuffixes = ["/rest/v1", "/rest", "/identity/oauth/token", "/identity"];

    /// <summary>The base URI (root path, no query) and what was changed on the way, or a <see cref="ConnectFailedException"/> (InvalidUri).</summary>
    public static (Uri Uri, string? Note) Normalize(Uri given, string service)
    {
        var typed = given.OriginalString.Trim();
        var text = typed;
        var example = service == "Salesforce" ? "https://acme.my.salesforce.com" : "https://123-ABC-456.mktorest.com";
        if (text.Length == 0)
            throw Invalid(service, $"The {service} URI is empty. Give the instance's base URI, for example {example}.");
        string? note = null;
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            // A bare host (or host:port): both services speak HTTPS only.
            note = $"{service} URI '{text}' has no scheme: using https://{text}.";
            text = "https://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw Invalid(service, $"{service} URI '{Display(text)}' is not an absolute http(s) URI. Give the instance's base URI, for example {example}.");
        if (uri.UserInfo.Length > 0)
            throw Invalid(service, $"{service} URI '{UriPolicy.Display(uri)}' contains a user name or password; give credentials with -{service}Credential instead.");
        var root = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            throw Invalid(service, $"{service} URI '{typed}' has a {(uri.Query.Length > 0 ? "query string" : "fragment")} ({(uri.Query.Length > 0 ? uri.Query : uri.Fragment)}); give the base URI alone: {root}.");
        var path = uri.AbsolutePath.TrimEnd('/');
        if (path.Length == 0) return (root, note);
        if (service == "Marketo" && MarketoSuffixes.Any(s => string.Equals(path, s, StringComparison.OrdinalIgnoreCase)))
            return (root, (note is null ? "" : note + " ") + $"Marketo URI '{UriPolicy.Display(uri)}' ends in {path}, as Marketo's Web Services page shows its endpoints: using the instance root {root}.");
        throw Invalid(service, $"{service} URI '{UriPolicy.Display(uri)}' has a path ({uri.AbsolutePath}); give the instance's base URI alone: {root}"
            + (service == "Marketo" ? " (a /rest or /identity ending, as Marketo's Web Services page shows it, is accepted and dropped)." : "."));
    }

    /// <summary>
    /// The default database file of a Marketo instance: ~/.salessync/&lt;host&gt;.db, with _&lt;port&gt; for a
    /// non-default port (a loopback sandbox: 127.0.0.1_47100.db), so a sandbox and production never share a file.
    /// </summary>
    public static string DefaultDatabaseFile(Uri marketoUri)
    {
        var host = marketoUri.IdnHost.Trim('[', ']').TrimEnd('.').ToLowerInvariant().Replace(':', '-'); // IPv6 colons are not file-name characters everywhere
        var name = marketoUri.IsDefaultPort ? host : host + "_" + marketoUri.Port.ToString(CultureInfo.InvariantCulture);
        return Path.Combine(ConnectionSettings.DatabaseFolder, name + ".db");
    }

    private static ConnectFailedException Invalid(string service, string message) => new(ConnectFailureReason.InvalidUri, service, message);

    /// <summary>
    /// Text that failed to parse, without anything that looks like user info: everything up to the LAST '@' of the
    /// authority goes, so a password that itself holds '@' (user:p@ss@host) leaks no part of it.
    /// </summary>
    internal static string Display(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return text;
        var authorityStart = scheme + 3;
        var authorityEnd = text.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0) authorityEnd = text.Length;
        var at = text.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        return at >= authorityStart ? text[..authorityStart] + text[(at + 1)..] : text;
    }

    /// <summary>
    /// A Salesforce REST API version as people write it: v66.0, V66.0, 66.0 or 66, spaces around ignored, becomes
    /// "v66.0"; null when it is none of these.
    /// </summary>
    public static string? SalesforceApiVersion(string? given)
    {
        var match = System.Text.RegularExpressions.Regex.Match(given?.Trim() ?? "", @"^[vV]?(\d{2,3})(\.0)?$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return match.Success ? $"v{match.Groups[1].Value}.0" : null;
    }
}
