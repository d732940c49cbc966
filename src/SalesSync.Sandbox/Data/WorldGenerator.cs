using System.Text;

namespace SalesSync.Sandbox.Data;

/// <summary>
/// Builds one consistent world on both sides from a seed: the same seed gives the same world.
/// Marketo persons link to real Salesforce Leads/Contacts/Accounts; owners are Salesforce Users.
/// </summary>
public static class WorldGenerator
{
    /// <summary>Fixed "today" of the generated history, so the world does not depend on the wall clock.</summary>
    public static readonly DateTimeOffset ReferenceNow = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    /// <summary>When the generated instance's first person was created, unless --history-years says otherwise.</summary>
    public static readonly DateTimeOffset DefaultHistoryStart = new(2016, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Sales reps' TimeZoneSidKey, by user number (no draw from the seed, so the rest of the world stays the same):
    /// mostly US zones, where the UTC date of an evening activity is the next day.
    /// </summary>
    private static readonly string[] UserTimeZones =
        ["America/Los_Angeles", "America/New_York", "America/Chicago", "America/Denver", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Australia/Sydney"];

    private static readonly string[] FirstNames =
        ["Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Radia", "Tim", "Frances", "Edsger", "Katherine",
         "Niklaus", "Hedy", "John", "Sophie", "Mateo", "Amara", "Lars", "Priya", "Chen", "Fatima", "Olu", "Ingrid", "Diego"];
    private static readonly string[] LastNames =
        ["Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Perlman", "Berners-Lee", "Allen",
         "Dijkstra", "Johnson", "Wirth", "Lamarr", "McCarthy", "Wilson", "García", "Okafor", "Nilsson", "Sharma", "Wei", "Haddad", "Adeyemi", "Berg", "O'Neil"];
    private static readonly string[] CompanyStems =
        ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell", "Wonka", "Cyberdyne",
         "Massive Dynamic", "Aperture", "Oscorp", "Gringotts", "Monarch", "Pied Piper", "Dunder Mifflin", "Sterling Cooper"];
    private static readonly string[] CompanySuffixes = ["Inc.", "GmbH", "Ltd", "LLC", "S.A.", "AG", "Corp", "KK"];
    private static readonly string[] Titles =
        ["CTO", "VP Sales", "Director of IT", "Procurement Manager", "Head of Marketing", "Software Engineer", "CFO", "Operations Lead",
         "Account Executive", "Data Analyst"];
    private static readonly string?[] Sources =
        ["Website", "Trade Show", "Webinar", "Partner", "Purchased List", "Sales Prospecting", "Referral", null];

    public const int SalesOwnedListId = 1001;

    /// <summary>
    /// The sales-owned people again, split by the region of their owner (a list per sales team, as many admins
    /// keep them): together exactly list 1001's members, each person in one of them.
    /// </summary>
    public static readonly IReadOnlyList<(int Id, string Name)> RegionLists =
        [(1011, "AMER East"), (1012, "AMER West"), (1013, "EMEA North"), (1014, "EMEA South"), (1015, "APAC"), (1016, "LATAM")];
    public const int SalesOwnedSmartListId = 1001;
    public const int UnsubscribedSmartListId = 1002;

    /// <summary>Name of the User that stands in for the lead queue the sandbox's assignment rule assigns to.</summary>
    public const string LeadQueueName = "Lead Queue";

    /// <summary>One lead in this many is generated converted.</summary>
    public const int ConvertEvery = 40;

    public static SandboxWorld Generate(int people, int seed, DateTimeOffset? historyStart = null)
    {
        var start = historyStart ?? DefaultHistoryStart;
        var rng = new Random(seed);
        var world = new SandboxWorld();
        var sf = world.Salesforce;

        var users = new List<SalesforceRecord>();
        var userCount = Math.Clamp(people / 400 + 5, 5, 60);
        for (var u = 0; u < userCount; u++)
        {
            var first = FirstNames[u % FirstNames.Length];
            var last = LastNames[(u * 7 + 3) % LastNames.Length];
            users.Add(sf.Add("User", start, [
                new("FirstName", first), new("LastName", last), new("Name", $"{first} {last}"),
                new("Email", $"{Ascii(first)}.{Ascii(last)}.rep{u}@sales.example.com"), new("Username", $"rep{u}@sales.example.com"),
                new("IsActive", u % 17 != 16), new("Title", "Account Executive"), new("TimeZoneSidKey", UserTimeZones[u % UserTimeZones.Length]),
            ]));
        }

        // The integration user the token speaks for (its identity URL names user 1), and the stand-in lead queue
        // that the sandbox's assignment rule hands leads to. Neither is drawn at random, so the rest of the world
        // is the same as without them.
        sf.RunningUserId = users[0].Id;
        sf.LeadQueueUserId = sf.Add("User", start, [
            new("FirstName", "Lead"), new("LastName", "Queue"), new("Name", LeadQueueName), new("Email", "lead-queue@sales.example.com"),
            new("Username", "lead-queue@sales.example.com"), new("IsActive", true), new("Title", "Assignment queue"), new("TimeZoneSidKey", "America/Chicago"),
        ]).Id;
        sf.TaskQueueId = sf.Add("Group", start, [new("Name", "Sales Follow-ups"), new("Type", "Queue"), new("Email", "follow-ups@sales.example.com")]).Id;

        var accountCount = Math.Max(1, people / 10);
        var accounts = new List<SalesforceRecord>(accountCount);
        for (var a = 0; a < accountCount; a++)
        {
            var name = $"{CompanyStems[a % CompanyStems.Length]} {CompanySuffixes[(a / CompanyStems.Length) % CompanySuffixes.Length]}"
                       + (a >= CompanyStems.Length * CompanySuffixes.Length ? $" {a}" : "");
            accounts.Add(sf.Add("Account", Spread(a, accountCount, rng, start), [
                new("Name", name), new("OwnerId", users[rng.Next(users.Count)].Id), new("Industry", "Technology"), new("Website", $"https://{Ascii(name)}.example.com"),
            ]));
        }

        var contactsByAccount = new Dictionary<string, List<SalesforceRecord>>();
        var emails = new List<string>(people);
        var salesOwned = new StaticList { Id = SalesOwnedListId, Name = "Sales-Owned People", ProgramName = "Sales Sync", CreatedAt = start, UpdatedAt = ReferenceNow, Description = "Every person with a Salesforce lead or contact owner" };
        var webinar = new StaticList { Id = 1002, Name = "Webinar Attendees 2026", ProgramName = "2026 Webinars", CreatedAt = ReferenceNow.AddDays(-200), UpdatedAt = ReferenceNow.AddDays(-10) };
        var empty = new StaticList { Id = 1003, Name = "Empty List", CreatedAt = ReferenceNow.AddDays(-30), UpdatedAt = ReferenceNow.AddDays(-30) };
        var regions = RegionLists.Select(r => new StaticList { Id = r.Id, Name = $"Sales-Owned People - {r.Name}", ProgramName = "Sales Sync", CreatedAt = start, UpdatedAt = ReferenceNow, Description = $"People whose Salesforce owner sells in {r.Name}" }).ToList();

        for (var i = 1; i <= people; i++)
        {
            var first = FirstNames[rng.Next(FirstNames.Length)];
            var last = LastNames[rng.Next(LastNames.Length)];
            string? title = Titles[rng.Next(Titles.Length)];
            if (i % 97 == 0) { first = "小明"; last = "王"; }
            if (i % 89 == 0) { first = "Zoë 🚀"; last = "O'Brien 😀"; }
            if (i % 71 == 0) title = "VP, \"Sales\"\r\nEMEA";
            if (i % 199 == 0) title = new string('T', 40) + " " + string.Concat(Enumerable.Repeat("Very Long Title ", 13)).Trim()[..200];

            var email = i > 10 && rng.NextDouble() < 0.02
                ? emails[rng.Next(emails.Count)] // a second Marketo record with the same email
                : $"{Ascii(first)}.{Ascii(last)}.{i}@{(i % 5 == 0 ? "mail.example.org" : "example.com")}";
            emails.Add(email);
            var unsubscribed = StableHash(email.ToLowerInvariant()) % 100 < 8; // durable: decided by the email alone

            var created = Spread(i, people, rng, start);
            var updated = created.AddMinutes(rng.Next(0, 60 * 24 * 400));
            if (updated > ReferenceNow) updated = ReferenceNow;

            var roll = rng.NextDouble();
            var kind = roll < 0.32 ? "Lead" : roll < 0.60 ? "Contact" : null;
            var ownerIndex = rng.Next(users.Count);
            var owner = users[ownerIndex].Id;
            string company;
            string? leadId = null, contactId = null, accountId = null;
            var phone = rng.NextDouble() < 0.7 ? $"+1 555 {rng.Next(100, 999)} {rng.Next(1000, 9999)}" : null;
            var source = Sources[rng.Next(Sources.Length)];
            var sfOptOut = unsubscribed && rng.NextDouble() < 0.5;

            if (kind == "Contact")
            {
                var account = accounts[rng.Next(accounts.Count)];
                company = (string)account["Name"]!;
                var contact = sf.Add("Contact", created, [
                    new("FirstName", first), new("LastName", last), new("Name", $"{first} {last}"), new("Email", email), new("Title", title),
                    new("Phone", phone), new("AccountId", account.Id), new("OwnerId", owner), new("HasOptedOutOfEmail", sfOptOut),
                    new("DoNotCall", false), new("LeadSource", source),
                ]);
                contactId = contact.Id;
                accountId = account.Id;
                if (!contactsByAccount.TryGetValue(account.Id, out var list)) contactsByAccount[account.Id] = list = [];
                list.Add(contact);
            }
            else
            {
                company = $"{CompanyStems[rng.Next(CompanyStems.Length)]} {CompanySuffixes[rng.Next(CompanySuffixes.Length)]}";
                if (i % 53 == 0) company = "Acme, Inc. \"West\"\nDivision";
                if (i % 113 == 0) company = "株式会社テスト";
                if (i % 199 == 0) company = string.Concat(Enumerable.Repeat("Enormous Holdings ", 15))[..255];
                if (kind == "Lead")
                {
                    leadId = sf.Add("Lead", created, [
                        new("FirstName", first), new("LastName", last), new("Name", $"{first} {last}"), new("Email", email), new("Company", company),
                        new("Title", title), new("Phone", phone), new("LeadSource", source), new("Status", "Open - Not Contacted"), new("OwnerId", owner),
                        new("HasOptedOutOfEmail", sfOptOut), new("IsConverted", false),
                    ]).Id;
                }
            }

            var fields = new Dictionary<string, object?>
            {
                ["email"] = email, ["firstName"] = first, ["lastName"] = last, ["company"] = company, ["title"] = title,
                ["phone"] = phone, ["leadSource"] = source, ["unsubscribed"] = unsubscribed,
                ["unsubscribedReason"] = unsubscribed ? "Unsubscribed via email link" : null,
                ["emailInvalid"] = rng.NextDouble() < 0.01, ["marketingSuspended"] = false,
                ["sfdcType"] = kind, ["sfdcLeadId"] = leadId, ["sfdcContactId"] = contactId, ["sfdcAccountId"] = accountId,
                ["sfdcLeadOwnerId"] = kind is null ? null : owner,
                ["linkedInProfileURL"] = rng.NextDouble() < 0.5 ? $"https://www.linkedin.com/in/{Ascii(first)}-{Ascii(last)}-{i}" : null,
                ["createdAt"] = created, ["updatedAt"] = updated, ["leadPartitionId"] = 1L,
            };
            var person = world.AddPerson(fields, created, generated: true);
            if (kind is not null)
            {
                salesOwned.Members.Add(person.Id);
                regions[ownerIndex % regions.Count].Members.Add(person.Id);
            }
            if (rng.NextDouble() < 0.1) webinar.Members.Add(person.Id);
        }

        // Opportunities on some accounts that have contacts, each with contact roles.
        foreach (var account in accounts)
        {
            if (!contactsByAccount.TryGetValue(account.Id, out var contacts) || rng.NextDouble() >= 0.5) continue;
            var opps = rng.Next(1, 3);
            for (var o = 0; o < opps; o++)
            {
                var stage = SalesforceSchema.OpportunityStages[rng.Next(SalesforceSchema.OpportunityStages.Count)];
                var opp = sf.Add("Opportunity", (DateTimeOffset)account["CreatedDate"]!, [
                    new("Name", $"{account["Name"]} - Deal {o + 1}"), new("AccountId", account.Id), new("OwnerId", account["OwnerId"]),
                    new("StageName", stage), new("CloseDate", DateOnly.FromDateTime(ReferenceNow.AddDays(rng.Next(-300, 200)).UtcDateTime)),
                    new("IsClosed", stage.StartsWith("Closed", StringComparison.Ordinal)), new("IsWon", stage == "Closed Won"),
                    new("Amount", (decimal)(rng.Next(5, 500) * 1000)),
                ]);
                for (var c = 0; c < contacts.Count; c++)
                {
                    sf.Add("OpportunityContactRole", (DateTimeOffset)opp["CreatedDate"]!, [
                        new("OpportunityId", opp.Id), new("ContactId", contacts[c].Id),
                        new("Role", c == 0 ? "Decision Maker" : "Influencer"), new("IsPrimary", c == 0),
                    ]);
                }
            }
        }

        ConvertSomeLeads(sf, accounts);
        world.LogGeneratedNewLeads();

        world.Lists[salesOwned.Id] = salesOwned;
        world.Lists[webinar.Id] = webinar;
        world.Lists[empty.Id] = empty;
        foreach (var region in regions) world.Lists[region.Id] = region;
        world.SmartLists[SalesOwnedSmartListId] = SmartList.SalesOwned(SalesOwnedSmartListId);
        world.SmartLists[UnsubscribedSmartListId] = SmartList.Unsubscribed(UnsubscribedSmartListId);
        return world;
    }

    /// <summary>
    /// Marks every 40th lead converted, as convertLead would: a new Contact (same person, same owner) on an
    /// existing Account, and the lead's IsConverted, Converted*Id, ConvertedDate and Status. The Marketo person
    /// keeps pointing at the lead (Marketo has not synced the conversion yet), which is the case a client must
    /// handle by following ConvertedContactId. Deterministic and after every random draw, so it changes nothing else.
    /// </summary>
    private static void ConvertSomeLeads(SalesforceStore sf, List<SalesforceRecord> accounts)
    {
        var leads = sf.All("Lead").ToList();
        for (var i = ConvertEvery - 1; i < leads.Count; i += ConvertEvery)
        {
            var lead = leads[i];
            var converted = ((DateTimeOffset)lead["CreatedDate"]!).AddDays(30);
            if (converted > ReferenceNow) converted = ReferenceNow;
            var account = accounts[i % accounts.Count];
            var contact = sf.Add("Contact", converted, [
                new("FirstName", lead["FirstName"]), new("LastName", lead["LastName"]), new("Name", lead["Name"]), new("Email", lead["Email"]),
                new("Title", lead["Title"]), new("Phone", lead["Phone"]), new("AccountId", account.Id), new("OwnerId", lead["OwnerId"]),
                new("HasOptedOutOfEmail", lead["HasOptedOutOfEmail"]), new("DoNotCall", false), new("LeadSource", lead["LeadSource"]),
            ]);
            lead["IsConverted"] = true;
            lead["Status"] = "Closed - Converted";
            lead["ConvertedContactId"] = contact.Id;
            lead["ConvertedAccountId"] = account.Id;
            lead["ConvertedDate"] = DateOnly.FromDateTime(converted.UtcDateTime);
            lead["LastModifiedDate"] = lead["SystemModstamp"] = converted;
        }
    }

    private static DateTimeOffset Spread(int index, int count, Random rng, DateTimeOffset historyStart)
    {
        var span = (ReferenceNow - historyStart).TotalMinutes;
        var at = historyStart.AddMinutes(span * index / Math.Max(1, count + 1) + rng.Next(0, 600));
        return new DateTimeOffset(at.Year, at.Month, at.Day, at.Hour, at.Minute, at.Second, TimeSpan.Zero);
    }

    /// <summary>FNV-1a: stable across processes, unlike string.GetHashCode.</summary>
    public static uint StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(s)) h = (h ^ b) * 16777619u;
        return h;
    }

    private static string Ascii(string s)
    {
        var sb = new StringBuilder();
        foreach (var ch in s.Normalize(NormalizationForm.FormD))
            if (char.IsAsciiLetterOrDigit(ch)) sb.Append(char.ToLowerInvariant(ch));
        return sb.Length == 0 ? "user" : sb.ToString();
    }
}
