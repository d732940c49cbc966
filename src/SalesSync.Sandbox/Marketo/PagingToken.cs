using System.Buffers.Text;
using System.Text;

namespace SalesSync.Sandbox.Marketo;

/// <summary>Opaque paging tokens: an offset and a kind, base64url-encoded so clients cannot rely on the contents.</summary>
public static class PagingToken
{
    public static string Encode(string kind, long offset) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{kind}|{offset}|sandbox"));

    public static bool TryDecode(string? token, string kind, out long offset)
    {
        offset = 0;
        if (string.IsNullOrEmpty(token)) return true;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('|');
            return parts.Length == 3 && parts[0] == kind && long.TryParse(parts[1], out offset) && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
