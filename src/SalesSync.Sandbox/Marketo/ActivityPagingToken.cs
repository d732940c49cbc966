using System.Globalization;
using System.Text;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The date-based paging token of the activity endpoints (pagingtoken.json, activities.json,
/// leadchanges.json, deletedleads.json): a position in the one activity log (the next activity id to
/// read), the time the reader has seen the log through (activities dated before it are not returned; it also
/// decides whether the token is older than the retained history; it stays the walk's starting time until the
/// last page, whose token is read through the time of that call), and whether the page that issued it was
/// an injected empty page, and a filler that makes it as long as <c>--paging-token-length</c> asks (Marketo's tokens
/// can be long enough that a GET carrying one passes the 8 KB URI limit; the filler is carried to every page's token). Encoded like Marketo's own tokens (RFC 4648 base32, padded with '=');
/// clients must treat it as opaque.
/// </summary>
public readonly record struct ActivityPagingToken(long Position, DateTimeOffset SeenThrough, bool AfterEmptyPage = false, int Filler = 0)
{
    /// <summary>Filler bytes that make an encoded token at least <paramref name="length"/> characters long (0: no filler).</summary>
    public static int FillerFor(int length) => length <= 0 ? 0 : length * 5 / 8;

    private const string Kind = "activities";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    public string Encode() => Base32(Encoding.UTF8.GetBytes(string.Join('|',
        Kind, Position.ToString(CultureInfo.InvariantCulture),
        SeenThrough.UtcTicks.ToString(CultureInfo.InvariantCulture), AfterEmptyPage ? "e" : "-") + (Filler > 0 ? "|" + new string('~', Filler) : "")));

    public static bool TryDecode(string? text, out ActivityPagingToken token)
    {
        token = default;
        if (string.IsNullOrWhiteSpace(text) || FromBase32(text.Trim()) is not { } bytes) return false;
        string[] parts;
        try { parts = new UTF8Encoding(false, true).GetString(bytes).Split('|'); }
        catch (DecoderFallbackException) { return false; }
        if (parts.Length is not (4 or 5) || parts[0] != Kind || parts[3] is not ("e" or "-")) return false;
        if (parts.Length == 5 && parts[4].Any(c => c != '~')) return false;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var position) || position < 1) return false;
        if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks) return false;
        token = new ActivityPagingToken(position, new DateTimeOffset(ticks, TimeSpan.Zero), parts[3] == "e", parts.Length == 5 ? parts[4].Length : 0);
        return true;
    }

    private static string Base32(byte[] data)
    {
        var sb = new StringBuilder((data.Length + 4) / 5 * 8);
        for (var i = 0; i < data.Length; i += 5)
        {
            var n = Math.Min(5, data.Length - i);
            ulong block = 0;
            for (var j = 0; j < 5; j++) block = (block << 8) | (j < n ? data[i + j] : 0u);
            var chars = (n * 8 + 4) / 5;
            for (var j = 0; j < 8; j++) sb.Append(j < chars ? Alphabet[(int)((block >> (35 - j * 5)) & 31)] : '=');
        }
        return sb.ToString();
    }

    private static byte[]? FromBase32(string text)
    {
        if (text.Length % 8 != 0) return null;
        var trimmed = text.TrimEnd('=');
        if (text.Length - trimmed.Length > 6) return null;
        var bits = 0;
        var buffer = 0;
        var bytes = new List<byte>(trimmed.Length * 5 / 8);
        foreach (var c in trimmed)
        {
            var v = Alphabet.IndexOf(c);
            if (v < 0) return null;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }
        return bytes.ToArray();
    }
}
