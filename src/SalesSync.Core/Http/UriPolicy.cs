using System.Net;

namespace SalesSync.Core.Http;

/// <summary>HTTPS for everything that is not loopback: secrets and tokens never cross a network in clear text.</summary>
public static class UriPolicy
{
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>Returns null when the URI is acceptable, else the reason it is not.</summary>
    public static string? Check(Uri uri)
    {
        if (!uri.IsAbsoluteUri) return "The URI must be absolute, e.g. https://123-ABC-456.mktorest.com.";
        // Credentials in a URI end up in logs, error records and the connection object.
        if (uri.UserInfo.Length > 0) return "The URI must not contain a user name or password (user:password@host); pass credentials with -MarketoCredential / -SalesforceCredential.";
        if (uri.Scheme == Uri.UriSchemeHttps) return null;
        if (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)) return null;
        if (uri.Scheme == Uri.UriSchemeHttp)
            return $"'{uri.GetLeftPart(UriPartial.Authority)}' uses plain HTTP. Only loopback addresses may use HTTP; use https:// for remote services.";
        return $"Scheme '{uri.Scheme}' is not supported; use https://.";
    }

    /// <summary>The URI without user info, for messages and error records.</summary>
    public static string Display(Uri uri) =>
        uri.IsAbsoluteUri ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.GetLeftPart(UriPartial.Path) : uri.OriginalString;

    /// <summary>The base URI with a trailing slash, so relative paths append instead of replacing the last segment.</summary>
    public static Uri Normalize(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
