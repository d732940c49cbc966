namespace SalesSync.Sandbox.Data;

/// <summary>Salesforce record ids: 15 case-sensitive characters plus the 3-character checksum suffix.</summary>
public static class SalesforceId
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string SuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>Makes an 18-character id from a key prefix (e.g. 00Q) and a sequence number.</summary>
    public static string Create(string prefix, long sequence, string pod = "5g")
    {
        Span<char> body = stackalloc char[15];
        prefix.AsSpan().CopyTo(body);
        pod.AsSpan().CopyTo(body[3..]);
        for (var i = 14; i >= 3 + pod.Length; i--)
        {
            body[i] = Base62[(int)(sequence % 62)];
            sequence /= 62;
        }
        return new string(body) + Suffix(body);
    }

    public static string Suffix(ReadOnlySpan<char> id15)
    {
        Span<char> suffix = stackalloc char[3];
        for (var chunk = 0; chunk < 3; chunk++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
                if (char.IsAsciiLetterUpper(id15[chunk * 5 + i])) bits |= 1 << i;
            suffix[chunk] = SuffixAlphabet[bits];
        }
        return new string(suffix);
    }

    /// <summary>Normalises a 15- or 18-character id to 18 characters; null when it is not an id.</summary>
    public static string? Normalize(string? id)
    {
        if (id is null) return null;
        if (id.Length == 18 && id.All(char.IsAsciiLetterOrDigit)) return id[..15] + Suffix(id.AsSpan(0, 15));
        if (id.Length == 15 && id.All(char.IsAsciiLetterOrDigit)) return id + Suffix(id);
        return null;
    }
}
