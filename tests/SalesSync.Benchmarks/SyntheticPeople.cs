using SalesSync.Core.People;

namespace SalesSync.Benchmarks;

/// <summary>
/// Sales-owned people made up from their Marketo id alone (no state), so a million of them can be written
/// chunk by chunk without holding them, and any one can be rebuilt to look it up later. The shape follows the
/// sandbox's generated world: every person has a sales owner; leads and contacts with 18-character ids;
/// contacts with accounts and (half of them) an opportunity; about 2% share an earlier person's email.
/// </summary>
internal static class SyntheticPeople
{
    public const int Companies = 20_000;
    private const int Owners = 250;
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] FirstNames =
    [
        "Ana", "Ben", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Mei", "Noah", "Olga",
        "Pablo", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zoë", "山田", "Léa", "Omar", "Priya",
    ];

    private static readonly string[] LastNames =
    [
        "Alvarez", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ivanova", "Jones", "Kowalski", "Lopez", "Müller",
        "Nakamura", "O'Brien", "Patel", "Quist", "Rossi", "Smith", "Tanaka", "Ueda", "Varga", "Walsh", "Xu", "Yamamoto", "Zimmermann",
    ];

    private static readonly string[] Domains = ["example.com", "example.org", "mail.example.net", "corp.example.io", "example.co.uk"];
    private static readonly string[] Titles = ["VP Sales", "Head of Marketing", "CTO", "Procurement Manager", "Engineer", "Director, \"Ops\"", null!];
    private static readonly string[] Sources = ["Web", "Webinar", "Trade Show", "Partner", "Referral"];

    public static PersonRecord Person(long id, DateTimeOffset syncedAt)
    {
        var h = Mix((ulong)id);
        var first = FirstNames[(int)(h % (ulong)FirstNames.Length)];
        var last = LastNames[(int)(h / 31 % (ulong)LastNames.Length)];
        var company = CompanyOf(id);
        var isContact = h / 1009 % 100 < 45;
        var hasOpportunity = isContact && h / 7919 % 2 == 0;
        return new PersonRecord
        {
            MarketoId = id,
            FirstName = first,
            LastName = last,
            Email = EmailOf(id),
            Company = CompanyName(company),
            Title = Titles[(int)(h / 613 % (ulong)Titles.Length)],
            Phone = h / 17 % 3 == 0 ? null : $"+1 555 {id % 10_000_000:0000000}",
            LinkedInUrl = h / 53 % 2 == 0 ? $"https://www.linkedin.com/in/{first.ToLowerInvariant()}-{id}" : null,
            Source = Sources[(int)(h / 101 % (ulong)Sources.Length)],
            SalesforceType = isContact ? "Contact" : "Lead",
            SalesforceLeadId = isContact ? null : SalesforceId("00Q", id),
            SalesforceContactId = isContact ? SalesforceId("003", id) : null,
            SalesforceAccountId = isContact ? SalesforceId("001", company) : null,
            SalesforceOpportunityId = hasOpportunity ? SalesforceId("006", company) : null,
            SalesOwnerId = SalesforceId("005", (long)(h / 127 % Owners)),
            Unsubscribed = h / 211 % 100 < 8,
            MarketoUpdatedAt = Epoch.AddSeconds(-(long)(h % 300_000_000)),
            SyncedAt = syncedAt,
        };
    }

    /// <summary>Unique per person, except every 50th person reuses an earlier person's email (about 2%, as in Marketo).</summary>
    public static string EmailOf(long id)
    {
        if (id > 50 && id % 50 == 0) return EmailOf(id - 37);
        var h = Mix((ulong)id);
        return $"{Ascii(FirstNames[(int)(h % (ulong)FirstNames.Length)])}.{Ascii(LastNames[(int)(h / 31 % (ulong)LastNames.Length)])}.{id}@{Domains[(int)(h / 7 % (ulong)Domains.Length)]}";
    }

    public static long CompanyOf(long id) => (long)(Mix((ulong)id ^ 0x5bd1e995) % Companies);

    public static string CompanyName(long company) => $"{(company % 3 == 0 ? "Northwind" : company % 3 == 1 ? "Contoso" : "Fabrikam")} {company:00000}, Inc.";

    /// <summary>An 18-character Salesforce id (15 + the case-safe suffix) with a key prefix such as 00Q or 003.</summary>
    public static string SalesforceId(string prefix, long n) => SalesforceIds.To18($"{prefix}5g{n:0000000000}")!;

    /// <summary>People in chunks of <paramref name="chunk"/>, ids 1..count, built as they are enumerated.</summary>
    public static IEnumerable<List<PersonRecord>> Chunks(int count, int chunk, DateTimeOffset syncedAt)
    {
        for (var start = 1; start <= count; start += chunk)
        {
            var size = Math.Min(chunk, count - start + 1);
            var list = new List<PersonRecord>(size);
            for (var id = start; id < start + size; id++) list.Add(Person(id, syncedAt));
            yield return list;
        }
    }

    private static string Ascii(string name) => new(name.ToLowerInvariant().Where(char.IsAsciiLetter).DefaultIfEmpty('x').ToArray());

    /// <summary>SplitMix64: a well-spread hash of the id, so fields look random but are reproducible.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}
