namespace SalesSync.Core.People;

/// <summary>Salesforce record ids: the 15-character case-sensitive form and its 18-character case-safe form.</summary>
public static class SalesforceIds
{
    private const string Suffix = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

    /// <summary>The 18-character form of a 15- or 18-character id; other text comes back unchanged (never guessed at).</summary>
    public static string? To18(string? id)
    {
        if (id is null || id.Length != 15 || !id.All(char.IsAsciiLetterOrDigit)) return id;
        Span<char> extra = stackalloc char[3];
        for (var block = 0; block < 3; block++)
        {
            var bits = 0;
            for (var i = 0; i < 5; i++)
                if (char.IsAsciiLetterUpper(id[block * 5 + i])) bits |= 1 << i;
            extra[block] = Suffix[bits];
        }
        return id + new string(extra);
    }

    public static bool IsId(string? id) => id is { Length: 15 or 18 } && id.All(char.IsAsciiLetterOrDigit);

    /// <summary>
    /// The canonical 18-character form of a 15- or 18-character id, an 18-character one in any case (its suffix says which
    /// of the first 15 are capitals); null: an 18-character id whose suffix does not fit its first 15.
    /// </summary>
    public static string? Canonical(string id)
    {
        if (id.Length == 15) return To18(id);
        var head = id[..15].ToCharArray();
        for (var block = 0; block < 3; block++)
        {
            var bits = Suffix.IndexOf(char.ToUpperInvariant(id[15 + block]));
            if (bits < 0) return null;
            for (var i = 0; i < 5; i++)
            {
                ref var c = ref head[block * 5 + i];
                var upper = (bits & (1 << i)) != 0;
                if (upper && !char.IsAsciiLetter(c)) return null;
                c = upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c);
            }
        }
        return To18(new string(head));
    }
}
