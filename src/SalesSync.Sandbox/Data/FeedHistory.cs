using System.Globalization;

namespace SalesSync.Sandbox.Data;

/// <summary>
/// One generated feed activity, compact (the log renders the row on demand): whose, when, and what, as
/// <c>type &lt;&lt; 16 | variant</c> (the variant picks the mailing, page, form, moment or template).
/// </summary>
public readonly record struct FeedEntry(long LeadId, DateTimeOffset At, int Code)
{
    public int TypeId => Code >> 16;
    public int Variant => Code & 0xFFFF;
}

/// <summary>
/// The person activity a Sales Insight grid shows (web visits, marketing emails, interesting moments, legacy
/// sales emails, CRM tasks), generated for every person when <c>--feed-activities</c> is on: deterministic from
/// the seed and the person's id, dated over the <see cref="Window"/> before the sandbox clock's start (so "the
/// last 90 days" always holds data), never before the person was created. Types, attribute names and primary
/// attributes follow Adobe's Lead Activity Data Stream list and the SIA glossary; see README.md "Feed activities".
/// </summary>
public static class FeedHistory
{
    public const int VisitWebpage = 1, FillOutForm = 2, ClickLink = 3, SendEmail = 6, EmailDelivered = 7, EmailBounced = 8,
        UnsubscribeEmail = 9, OpenEmail = 10, ClickEmail = 11, SfdcActivity = 26, EmailBouncedSoft = 27, SfdcActivityUpdated = 30,
        SendSalesEmail = 39, OpenSalesEmail = 40, ClickSalesEmail = 41, ReceiveSalesEmail = 45, InterestingMoment = 46, SalesEmailBounced = 48;

    /// <summary>How far back the generated web and email activity reaches (past the 90-day retention, so pruning shows).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(150);

    /// <summary>Older interesting moments reach back this far (inside their 25-month retention).</summary>
    public static readonly TimeSpan MomentWindow = TimeSpan.FromDays(700);

    public static readonly IReadOnlyList<(long Id, string Name)> Mailings =
    [
        (5101, "Newsletter.December Newsletter"), (5102, "Webinar 2026.Invitation"), (5103, "Webinar 2026.Reminder"),
        (5104, "Product Launch.Announcement"), (5105, "Nurture.Getting Started"), (5106, "Nurture.Case Study"),
        (5107, "Events.Trade Show Invite"), (5108, "Renewal.Thirty Days Notice"),
    ];

    public static readonly IReadOnlyList<(long Id, string Path)> Pages =
    [
        (71, "/pricing"), (72, "/product/overview"), (73, "/blog/sales-marketing-alignment"), (74, "/docs/getting-started"),
        (75, "/customers"), (76, "/webinars/2026"), (77, "/contact"),
    ];

    public static readonly IReadOnlyList<(long Id, string Name)> Forms = [(301, "Contact Us Form"), (302, "Webinar Registration"), (303, "Whitepaper Download")];

    public static readonly IReadOnlyList<(string Type, string Description)> Moments =
    [
        ("Web", "Visited the pricing page"), ("Milestone", "Filled out Contact Us Form"), ("Email", "Clicked a link in Newsletter.December Newsletter"),
        ("Milestone", "Registered for Webinar 2026"), ("Milestone", "Downloaded the Buyer's Guide whitepaper"), ("Email", "Opened Renewal.Thirty Days Notice three times"),
    ];

    public static readonly IReadOnlyList<string> SalesSubjects =
        ["Following up on our call", "Quick question about your evaluation", "Pricing for your team", "Next steps"];

    public static readonly IReadOnlyList<string> TaskSubjects = ["Call back about renewal", "Send proposal", "Demo follow-up"];

    private const string Host = "www.example.com";
    private static readonly string[] Agents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    ];

    /// <summary>Every person's feed activities, oldest first (ties: the person, then the order they happened in).</summary>
    public static List<FeedEntry> Generate(IEnumerable<MarketoPerson> people, int seed, DateTimeOffset anchor)
    {
        var entries = new List<FeedEntry>();
        foreach (var person in people)
        {
            var created = person["createdAt"] is DateTimeOffset c ? c : DateTimeOffset.MinValue;
            if (created >= anchor) continue;
            ForPerson(person.Id, created, seed, anchor, entries);
        }
        entries.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.LeadId.CompareTo(b.LeadId));
        return entries;
    }

    private static void ForPerson(long leadId, DateTimeOffset created, int seed, DateTimeOffset anchor, List<FeedEntry> into)
    {
        var rng = new Random(unchecked((int)WorldGenerator.StableHash(string.Create(CultureInfo.InvariantCulture, $"feed|{seed}|{leadId}"))));
        var from = created > anchor - Window ? created : anchor - Window;
        var span = (anchor - from).TotalMinutes;
        if (span < 60) return;
        DateTimeOffset Within() => Second(from.AddMinutes(rng.NextDouble() * span));
        void Add(DateTimeOffset at, int type, int variant)
        {
            // What would happen after the sandbox started has not happened yet.
            if (at < anchor) into.Add(new FeedEntry(leadId, at, type << 16 | variant));
        }

        for (int m = 0, mailings = rng.Next(0, 3); m < mailings; m++)
        {
            var mailing = rng.Next(Mailings.Count);
            var sent = Within();
            Add(sent, SendEmail, mailing);
            var outcome = rng.NextDouble();
            if (outcome < 0.04) { Add(sent.AddMinutes(2), EmailBounced, mailing); continue; }
            if (outcome < 0.08) { Add(sent.AddMinutes(2), EmailBouncedSoft, mailing); continue; }
            Add(sent.AddMinutes(1), EmailDelivered, mailing);
            if (rng.NextDouble() >= 0.5) continue;
            var opened = sent.AddMinutes(5 + rng.Next(0, 2880));
            Add(opened, OpenEmail, mailing);
            if (rng.NextDouble() < 0.02) Add(opened.AddMinutes(1), UnsubscribeEmail, mailing);
            if (rng.NextDouble() >= 0.35) continue;
            var clicked = opened.AddMinutes(1 + rng.Next(0, 30));
            Add(clicked, ClickEmail, mailing);
            if (rng.NextDouble() < 0.3) Add(clicked.AddMinutes(1), InterestingMoment, 2);
        }
        for (int v = 0, visits = rng.Next(0, 4); v < visits; v++)
        {
            var page = rng.Next(Pages.Count);
            var visited = Within();
            Add(visited, VisitWebpage, page);
            if (page == 0 && rng.NextDouble() < 0.5) Add(visited.AddMinutes(1), InterestingMoment, 0);
            if (rng.NextDouble() < 0.35) Add(visited.AddMinutes(1 + rng.Next(0, 5)), ClickLink, rng.Next(Pages.Count));
            if (rng.NextDouble() < 0.12)
            {
                var form = rng.Next(Forms.Count);
                var filled = visited.AddMinutes(2 + rng.Next(0, 8));
                Add(filled, FillOutForm, form);
                Add(filled.AddMinutes(1), InterestingMoment, form == 0 ? 1 : form == 1 ? 3 : 4);
            }
        }
        if (rng.NextDouble() < 0.35)
        {
            // An older milestone: interesting moments are kept 25 months, web and email activity 90 days.
            var at = Second(anchor - TimeSpan.FromDays(100 + rng.NextDouble() * (MomentWindow.TotalDays - 100)));
            if (at > created) Add(at, InterestingMoment, 3 + rng.Next(0, 3));
        }
        if (rng.NextDouble() < 0.08)
        {
            var template = rng.Next(SalesSubjects.Count);
            var sent = Within();
            Add(sent, SendSalesEmail, template);
            if (rng.NextDouble() < 0.05) Add(sent.AddMinutes(1), SalesEmailBounced, template);
            else if (rng.NextDouble() < 0.5)
            {
                var opened = sent.AddMinutes(10 + rng.Next(0, 600));
                Add(opened, OpenSalesEmail, template);
                if (rng.NextDouble() < 0.3) Add(opened.AddMinutes(2), ClickSalesEmail, template);
                if (rng.NextDouble() < 0.2) Add(opened.AddMinutes(30), ReceiveSalesEmail, template);
            }
        }
        if (rng.NextDouble() < 0.1)
        {
            var subject = rng.Next(TaskSubjects.Count);
            var at = Within();
            Add(at, SfdcActivity, subject);
            if (rng.NextDouble() < 0.3) Add(at.AddHours(1 + rng.Next(0, 48)), SfdcActivityUpdated, subject);
        }
    }

    private static DateTimeOffset Second(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    /// <summary>The row of a generated entry, as activities.json serves it; details vary with the entry, never at random.</summary>
    public static MarketoActivity Render(long id, FeedEntry e, MarketoPerson? person)
    {
        var h = WorldGenerator.StableHash(string.Create(CultureInfo.InvariantCulture, $"{e.LeadId}|{e.At.UtcTicks}|{e.Code}"));
        var agent = Agents[h % (uint)Agents.Length];
        var ip = string.Create(CultureInfo.InvariantCulture, $"203.0.113.{1 + h % 254}");
        var campaignRun = 8000 + e.Variant * 10 + (long)(e.At.UtcTicks / TimeSpan.TicksPerDay % 7);
        var variant = e.Variant;
        var salesPerson = string.Create(CultureInfo.InvariantCulture, $"{100 + e.LeadId % 7}");
        var sender = string.Create(CultureInfo.InvariantCulture, $"rep{e.LeadId % 7}@sales.example.com");
        KeyValuePair<string, object?> A(string name, object? value) => new(name, value);
        (string? Primary, long? PrimaryId, KeyValuePair<string, object?>[] Attributes) row = e.TypeId switch
        {
            VisitWebpage => (Host + Pages[variant].Path, Pages[variant].Id,
                [A("Client IP Address", ip), A("Query Parameters", h % 3 == 0 ? "utm_source=newsletter" : null), A("Referrer URL", h % 2 == 0 ? "https://www.google.com/" : null),
                 A("User Agent", agent), A("Webpage ID", Pages[variant].Id), A("Webpage URL", Pages[variant].Path)]),
            ClickLink => (Host + Pages[variant].Path, 900 + Pages[variant].Id,
                [A("Client IP Address", ip), A("Referrer URL", "https://" + Host + Pages[(variant + 1) % Pages.Count].Path), A("User Agent", agent),
                 A("Webpage ID", Pages[(variant + 1) % Pages.Count].Id)]),
            FillOutForm => (Forms[variant].Name, Forms[variant].Id,
                [A("Client IP Address", ip), A("Form Fields", "{\"Email\":\"" + person?.Email + "\"}"), A("Referrer URL", "https://" + Host + "/contact"),
                 A("User Agent", agent), A("Webpage ID", Pages[^1].Id)]),
            SendEmail => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Campaign Run ID", campaignRun), A("Step ID", 1), A("Mailing ID", Mailings[variant].Id)]),
            EmailDelivered => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Choice Number", 0), A("Campaign Run ID", campaignRun), A("Step ID", 1), A("Mailing ID", Mailings[variant].Id)]),
            EmailBounced or EmailBouncedSoft => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Campaign Run ID", campaignRun), A("Category", e.TypeId == EmailBounced ? "1" : "4"),
                 A("Details", e.TypeId == EmailBounced ? "550 5.1.1 The email account that you tried to reach does not exist" : "452 4.2.2 Mailbox full"),
                 A("Email", person?.Email), A("Mailing ID", Mailings[variant].Id), A("Subcategory", e.TypeId == EmailBounced ? "1003" : "4002")]),
            UnsubscribeEmail => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Campaign Run ID", campaignRun), A("Client IP Address", ip), A("Mailing ID", Mailings[variant].Id), A("User Agent", agent)]),
            OpenEmail => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Campaign Run ID", campaignRun), A("Device", h % 3 == 1 ? "iPhone" : "Desktop"), A("Is Mobile Device", h % 3 == 1),
                 A("Mailing ID", Mailings[variant].Id), A("Platform", h % 3 == 1 ? "iOS" : "Windows"), A("User Agent", agent)]),
            ClickEmail => (Mailings[variant].Name, Mailings[variant].Id,
                [A("Campaign Run ID", campaignRun), A("Device", h % 3 == 1 ? "iPhone" : "Desktop"), A("Is Mobile Device", h % 3 == 1),
                 A("Link", "https://" + Host + Pages[(int)(h % (uint)Pages.Count)].Path), A("Mailing ID", Mailings[variant].Id),
                 A("Platform", h % 3 == 1 ? "iOS" : "Windows"), A("User Agent", agent)]),
            InterestingMoment => (Moments[variant].Description, null,
                [A("Date", e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)), A("Source", "Lead action > Flow step"), A("Type", Moments[variant].Type)]),
            SendSalesEmail or OpenSalesEmail or ClickSalesEmail => (SalesSubject(variant, e.LeadId), 6000 + variant,
                [A("Marketo Sales Person ID", salesPerson), A("Sales Template Name", "Template " + (variant + 1)), A("Sent By", sender),
                 A("Source", "Sales App"), A("Template ID", 6000 + variant),
                 A("Link", e.TypeId == ClickSalesEmail ? "https://" + Host + "/pricing" : null)]),
            ReceiveSalesEmail => ("Re: " + SalesSubject(variant, e.LeadId), 6000 + variant,
                [A("Marketo Sales Person ID", salesPerson), A("Received By", sender), A("Source", "Sales App")]),
            SalesEmailBounced => (SalesSubject(variant, e.LeadId), 6000 + variant,
                [A("Details", "550 5.1.1 Recipient address rejected"), A("Email", person?.Email), A("Marketo Sales Person ID", salesPerson),
                 A("Sent By", sender), A("Template ID", 6000 + variant)]),
            SfdcActivity or SfdcActivityUpdated => (TaskSubjects[variant], null,
                [A("Activity Owner", sender), A("Description", "Logged in Salesforce"), A("Due Date", e.At.UtcDateTime.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
                 A("Is Task", true), A("Priority", "Normal"), A("Status", e.TypeId == SfdcActivityUpdated ? "Completed" : "Not Started")]),
            _ => throw new InvalidOperationException($"No feed activity type {e.TypeId}."),
        };
        return new MarketoActivity(id, e.LeadId, e.At, e.TypeId, row.Primary, [], row.Attributes) { PrimaryAttributeValueId = row.PrimaryId };
    }

    /// <summary>An SIA subject carries its unique id at the end ("My Subject Line (SIA-12345678)", the glossary's form).</summary>
    private static string SalesSubject(int variant, long leadId) =>
        string.Create(CultureInfo.InvariantCulture, $"{SalesSubjects[variant]} (SIA-{10_000_000 + leadId * 10 + variant})");
}
