using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using SalesSync.Core.Status;

namespace SalesSync.Core.Report;

/// <summary>
/// Turns a <see cref="HealthReport"/> into one self-contained HTML page: the Liquid template and stylesheet embedded
/// in this assembly (Report/Templates), rendered by Fluid with its HTML encoder (every value from Marketo or Salesforce
/// is text), and ScottPlot charts inline as SVG, each with the table of its numbers beneath it. Numbers and times are
/// formatted in the invariant culture (times in UTC), whatever the caller's culture.
/// </summary>
public static class HealthReportRenderer
{
    /// <summary>The content of the page's generator meta tag: Export-SalesSyncReport overwrites only files that carry it.</summary>
    public const string Generator = "SalesSync Export-SalesSyncReport";

    /// <summary>How far into a file the generator marker is looked for (the page puts it in the first lines of its head).</summary>
    public const int MarkerWindow = 4096;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly FluidParser Parser = new();
    private static readonly Lazy<(IFluidTemplate Template, string Css)> Page = new(LoadTemplate);

    // Non-ASCII text stays readable (names in any script); markup characters are still encoded.
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly TemplateOptions Options = new TemplateOptionsBuilder()
        .WithCultureInfo(CultureInfo.InvariantCulture)
        .WithStrictVariables()
        .Build();

    /// <summary>The default title when -Title is not given.</summary>
    public static string DefaultTitle(HealthReport report) => $"SalesSync health: {report.MarketoInstance}";

    /// <summary>The page, written to <paramref name="writer"/> (a file, streamed rather than held as one string).</summary>
    public static async Task RenderAsync(HealthReport report, TextWriter writer, string? title = null)
    {
        await Page.Value.Template.RenderAsync(writer, Context(report, title), Encoder, true).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
    }

    public static string Render(HealthReport report, string? title = null) => Page.Value.Template.Render(Context(report, title), Encoder, true);

    private static TemplateContext Context(HealthReport report, string? title)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new TemplateContext(BuildView(report, string.IsNullOrWhiteSpace(title) ? DefaultTitle(report) : title, Page.Value.Css), Options);
    }

    /// <summary>
    /// Writes the page to <paramref name="path"/> atomically: to a temporary file in the same folder, then moved over
    /// the target (a rename), so a reader never sees half a report and a failure leaves the old file as it was.
    /// The file is readable by its owner only (0600 on Unix, a protected access list on Windows). Returns the bytes written.
    /// </summary>
    public static async Task<long> WriteFileAsync(HealthReport report, string path, string? title, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            long bytes;
            // Owner-only from its first byte, as the database and the export files: the page lists people's emails and sellers.
            await using (var stream = Store.DatabaseFile.OpenOwnerOnly(temp, FileMode.CreateNew, FileShare.None))
            {
                await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024);
                cancellationToken.ThrowIfCancellationRequested();
                await RenderAsync(report, writer, title).ConfigureAwait(false);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                bytes = stream.Length;
            }
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, path, overwrite: true);
            return bytes;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Whether the file at <paramref name="path"/> is a page this renderer wrote (its generator marker in the first <see cref="MarkerWindow"/> bytes).</summary>
    public static bool IsOurFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var head = new byte[MarkerWindow];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return IsOurs(head.AsSpan(0, read));
    }

    /// <summary>Whether a file's first bytes carry the generator marker (text decoded as UTF-8).</summary>
    public static bool IsOurs(ReadOnlySpan<byte> head) =>
        System.Text.Encoding.UTF8.GetString(head).Contains($"<meta name=\"generator\" content=\"{Generator}\">", StringComparison.Ordinal);

    private static (IFluidTemplate, string) LoadTemplate()
    {
        var source = ReadResource("report.liquid");
        if (!Parser.TryParse(source, out var template, out var error))
            throw new InvalidOperationException($"The report template does not parse: {error}");
        // The charts' font goes first, inline: the page asks no other host for anything.
        return (template, ReportFont.FontFaceCss + "\n" + ReadResource("report.css"));
    }

    private static string ReadResource(string name)
    {
        var assembly = typeof(HealthReportRenderer).Assembly;
        using var stream = assembly.GetManifestResourceStream($"SalesSync.Core.Report.Templates.{name}")
            ?? throw new InvalidOperationException($"The report resource {name} is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static PageView BuildView(HealthReport r, string title, string css) => new(
        Title: title,
        Generator: Generator,
        GeneratedAt: Stamp(r.GeneratedAt),
        Since: Stamp(r.Since),
        Instance: r.MarketoInstance,
        Salesforce: r.HasSalesforce ? "connected" : "not connected",
        State: StateText(r.State),
        StateClass: StateClass(r.State),
        Findings: r.Findings.Select(f => new FindingView(f.Rule, StateText(f.State), StateClass(f.State), f.Message)).ToList(),
        Sections: new[] { RunsSection(r), BudgetSection(r), DeliverySection(r), ComplianceSection(r), QualitySection(r), ReminderSection(r) }
            .OfType<SectionView>().ToList(),
        Css: css);

    private static SectionView RunsSection(HealthReport r)
    {
        var s = r.Runs;
        var days = s.Days.Select(d => Day(d.Day)).ToList();
        var daysTable = Table("runs-days", "Sync runs per day",
            ["Day", "Runs", "Watch polls", "Failed", "Stopped", "Added", "Updated", "Removed", "Marketo calls", "Salesforce calls", "Bulk MB", "Longest run"],
            s.Days.Select(d => Row(Day(d.Day), N(d.Runs), N(d.WatchPolls), N(d.Failed), N(d.Stopped), N(d.Added), N(d.Updated), N(d.Removed),
                N(d.MarketoCalls), N(d.SalesforceCalls), Mb(d.BulkBytes), Duration(d.LongestRun))), "No sync ran in this period.", firstText: 1);
        var latest = Table("runs-latest", "Latest runs (watch polls not listed)",
            ["Run", "Started", "Duration", "Mode", "Strategy", "Status", "Added", "Updated", "Removed", "Marketo calls", "Salesforce calls", "Message"],
            s.Latest.Select(x => Row(N(x.RunId), Stamp(x.StartedAt), x.Duration is { } d ? Duration(d) : "running", x.Mode, x.Strategy, x.Status,
                N(x.Added), N(x.Updated), N(x.Removed), N(x.MarketoCalls), N(x.SalesforceCalls), x.Message ?? "")),
            "No run in this period.", Shown(s.Latest.Count, s.TotalRuns), textColumns: [1, 2, 3, 4, 5, 11]);
        return new SectionView("runs", "Sync runs", $"Runs started since {Stamp(r.Since)}, per day (watch polls counted, not listed). A run's calls are its own; the API budget below counts every call of the day (activities sent, unsubscribe checks, activity feeds too).",
            [Fact("Runs", N(s.TotalRuns)), Fact("Watch polls", N(s.TotalWatchPolls)), Fact("Failed", N(s.TotalFailed))],
            [
                new ChartView("chart-runs-people", "People added, updated and removed per day",
                    ReportCharts.StackedBars("People added, updated and removed per day", days,
                        [Series("Added", s.Days, d => d.Added), Series("Updated", s.Days, d => d.Updated), Series("Removed", s.Days, d => d.Removed)], "people"),
                    daysTable),
                new ChartView("chart-runs-duration", "Longest run per day (minutes) and failures",
                    ReportCharts.StackedBars("Longest run per day in minutes", days, [Series("Longest run (min)", s.Days, d => Math.Round(d.LongestRun.TotalMinutes, 1))], "minutes"),
                    Table("runs-duration", "Runs, failures and the longest run per day",
                        ["Day", "Runs", "Failed", "Stopped", "Longest run", "Longest run (min)"],
                        s.Days.Select(d => Row(Day(d.Day), N(d.Runs), N(d.Failed), N(d.Stopped), Duration(d.LongestRun), D1(d.LongestRun.TotalMinutes))),
                        "No sync ran in this period.", firstText: 1, textColumns: [4])),
            ],
            [latest]);
    }

    private static SectionView BudgetSection(HealthReport r)
    {
        var b = r.Budget;
        var days = b.Days.Select(d => Day(d.Day)).ToList();
        var marketoLimit = b.MarketoDailyCallBudget > 0
            ? new ChartLimit($"SalesSync's daily cap ({N(b.MarketoDailyCallBudget)})", b.MarketoDailyCallBudget)
            : new ChartLimit($"Marketo daily quota ({N(b.MarketoDailyQuota)})", b.MarketoDailyQuota);
        var bulkLimitMb = b.BulkDailyBytesLimit / (1024.0 * 1024.0);
        return new SectionView("budget", "API budget",
            "Marketo calls per Marketo day (US Central) against the daily quota, bulk extract megabytes against the daily limit, Salesforce calls, and the busiest 20-second windows.",
            [Fact("Marketo daily quota", N(b.MarketoDailyQuota)), Fact("SalesSync's Marketo cap", b.MarketoDailyCallBudget > 0 ? N(b.MarketoDailyCallBudget) : "none"),
             Fact("Bulk extract limit per day", $"{D1(bulkLimitMb)} MB"), Fact("Salesforce daily limit", b.SalesforceDailyLimit is { } sf ? N(sf) : "unknown")],
            [
                new ChartView("chart-budget-marketo", "Marketo calls per day",
                    ReportCharts.StackedBars("Marketo calls per day", days, [Series("SalesSync's Marketo calls", b.Days, d => d.MarketoCalls)], "calls", marketoLimit),
                    Table("budget-marketo", "Marketo calls per day (all integrations': the day's usage reading plus SalesSync's calls since it)",
                        ["Day", "SalesSync calls", "All integrations' calls", "Usage read at", "Daily quota", "SalesSync's cap"],
                        b.Days.Select(d => Row(Day(d.Day), N(d.MarketoCalls), d.MarketoInstanceCallsNow is { } i ? N(i) : "not read",
                            d.MarketoInstanceReadAt is { } at ? Stamp(at) : "", N(b.MarketoDailyQuota),
                            b.MarketoDailyCallBudget > 0 ? N(b.MarketoDailyCallBudget) : "none")), "No Marketo call in this period.", firstText: 1, textColumns: [3])),
                new ChartView("chart-budget-bulk", "Bulk extract megabytes per day",
                    ReportCharts.StackedBars("Bulk extract megabytes per day", days, [Series("Bulk MB", b.Days, d => Math.Round(d.BulkBytes / (1024.0 * 1024.0), 1))], "MB",
                        new ChartLimit($"Daily limit ({D1(bulkLimitMb)} MB)", bulkLimitMb)),
                    Table("budget-bulk", "Bulk extract per day (as Marketo's limit counts it: each completed export's file size, once, on the day it completed)", ["Day", "Bulk MB", "Bytes", "Limit MB"],
                        b.Days.Select(d => Row(Day(d.Day), Mb(d.BulkBytes), N(d.BulkBytes), D1(bulkLimitMb))), "No bulk extract in this period.", firstText: 1)),
                new ChartView("chart-budget-salesforce", "Salesforce calls per day",
                    ReportCharts.StackedBars("Salesforce calls per day", days, [Series("Salesforce calls", b.Days, d => d.SalesforceCalls)], "calls",
                        b.SalesforceDailyLimit is { } limit ? new ChartLimit($"Org's daily limit ({N(limit)})", limit) : null),
                    Table("budget-salesforce", "Salesforce calls per day (the org's: API requests used in the 24 hours before the day's last call)",
                        ["Day", "SalesSync calls", "Org's calls (24 h)", "Org's daily limit"],
                        b.Days.Select(d => Row(Day(d.Day), N(d.SalesforceCalls), d.SalesforceOrgCalls is { } o ? N(o) : "not read",
                            b.SalesforceDailyLimit is { } l ? N(l) : "unknown")), "No Salesforce call in this period.", firstText: 1)),
                new ChartView("chart-budget-windows", "Busiest 20-second windows of Marketo calls",
                    ReportCharts.StackedBars("Busiest 20-second windows of Marketo calls", b.BusiestWindows.Select((w, i) => $"#{i + 1}").ToList(),
                        [new ChartSeries("Calls", b.BusiestWindows.Select(w => (double)w.Calls).ToList())], "calls",
                        new ChartLimit($"Marketo's limit ({N(b.WindowCallLimit)} per 20 s)", b.WindowCallLimit)),
                    Table("budget-windows", "Busiest 20-second windows", ["#", "Window start", "Calls", "Limit"],
                        b.BusiestWindows.Select((w, i) => Row($"#{i + 1}", Stamp(w.Start, seconds: true), N(w.Calls), N(b.WindowCallLimit))), "No Marketo call in this period.", textColumns: [0, 1])),
            ],
            []);
    }

    private static SectionView DeliverySection(HealthReport r)
    {
        var d = r.Delivery;
        var labels = d.Rows.Select(x => $"{x.Kind} → {x.Destination}").ToList();
        string[] states = ["Pending", "Held", "Sending", "Delivered", "Failed", "Refused"];
        // Grey waiting, amber held, blue on the way, green done, red failed, purple refused by the guard or a service.
        string[] stateColors = ["#8c959f", "#d4a72c", "#0969da", "#2da44e", "#cf222e", "#8250df"];
        Func<DeliveryRow, long>[] values = [x => x.Pending, x => x.Held, x => x.Sending, x => x.Delivered, x => x.Failed, x => x.Refused];
        return new SectionView("delivery", "Activity delivery", "Each logged activity has one delivery per destination (Marketo, Salesforce).",
            [Fact("Activities", N(d.TotalActivities)),
             Fact("Oldest waiting delivery", d.OldestPendingAt is { } at ? $"{Stamp(at)} ({StatusText.Ago(r.GeneratedAt, at)}), activity {d.OldestPendingActivityId}" : "none")],
            [
                new ChartView("chart-delivery", "Deliveries by kind and destination",
                    ReportCharts.StackedBars("Deliveries by kind and destination", labels,
                        states.Select((name, i) => Series(name, d.Rows, values[i]) with { Color = stateColors[i] }).ToList(), "deliveries", horizontal: true),
                    Table("delivery-rows", "Deliveries by kind and destination", ["Kind", "Destination", .. states],
                        d.Rows.Select(x => Row([x.Kind, x.Destination, .. values.Select(v => N(v(x)))])), "No activity logged.", firstText: 2)),
            ],
            [
                Reasons("delivery-failed", "Failed deliveries by reason", d.FailedByReason, "No delivery failed."),
                Reasons("delivery-refused", "Refused deliveries by reason", d.RefusedByReason, "No delivery was refused."),
            ]);
    }

    private static SectionView ComplianceSection(HealthReport r)
    {
        var c = r.Compliance;
        return WithGuardOffSends(c, new SectionView("compliance", "Compliance",
            "Sent emails the unsubscribe guard refused (the person was unsubscribed or opted out), opt-outs pushed to Salesforce, and changes to the guard.",
            [Fact("Unsubscribe guard", c.GuardOn ? "on" : "OFF"), Fact("Sends refused", N(c.RefusedSendsTotal)), Fact("Opt-outs pushed to Salesforce", N(c.OptOutsPushedTotal)),
             Fact("Guard changes", N(c.GuardChanges.Count))],
            [
                new ChartView("chart-compliance", "Refused sends, opt-outs pushed and guard changes",
                    ReportCharts.StackedBars("Refused sends, opt-outs pushed and guard changes", ["Sends refused", "Opt-outs pushed", "Guard turned off", "Guard turned on"],
                        [new ChartSeries("Count", [c.RefusedSendsTotal, c.OptOutsPushedTotal, c.GuardChanges.Count(g => !g.TurnedOn), c.GuardChanges.Count(g => g.TurnedOn)])], "count"),
                    Table("compliance-totals", "Compliance totals", ["What", "Count"],
                        [Row("Sends refused", N(c.RefusedSendsTotal)), Row("Opt-outs pushed", N(c.OptOutsPushedTotal)),
                         Row("Guard turned off", N(c.GuardChanges.Count(g => !g.TurnedOn))), Row("Guard turned on", N(c.GuardChanges.Count(g => g.TurnedOn)))], "", firstText: 1)),
            ],
            [
                Table("compliance-refused", "Sent emails refused", ["Occurred", "Logged", "Marketo person", "Email", "Company", "Sent by", "Record owner", "Reason", "Activity"],
                    c.RefusedSends.Select(x => Row(Stamp(x.OccurredAt), Stamp(x.LoggedAt), N(x.MarketoId), x.Email ?? "", x.Company ?? "", x.SentBy ?? "", Seller(x.SellerName, x.SalesOwnerId), x.Reason, x.ActivityId)),
                    "No send was refused.", Shown(c.RefusedSends.Count, c.RefusedSendsTotal), textColumns: [0, 1, 3, 4, 5, 6, 7, 8]),
                GuardOffTable(c),
                Table("compliance-optouts", "Opt-outs pushed to Salesforce", ["Pushed", "Salesforce record", "Type", "Marketo person", "Email"],
                    c.OptOutsPushed.Select(x => Row(Stamp(x.PushedAt), x.SalesforceId, x.SalesforceType, x.MarketoId is { } id ? N(id) : "", x.Email ?? "")),
                    "No opt-out was pushed.", Shown(c.OptOutsPushed.Count, c.OptOutsPushedTotal), textColumns: [0, 1, 2, 4]),
                Table("compliance-guard", "Guard changes", ["When", "By", "Guard"],
                    c.GuardChanges.Select(x => Row(Stamp(x.At), x.By, x.TurnedOn ? "turned on" : "turned off")), "The guard was not changed in this period.", textColumns: [0, 1, 2]),
            ]));
    }

    /// <summary>The sent-while-the-guard-was-off table (after the refused sends).</summary>
    private static TableView GuardOffTable(ComplianceSection c) =>
        Table("compliance-guard-off", "Sent while the guard was off", ["Logged", "Marketo person", "Email", "Sent by", "Unsubscribed now", "Opted out now", "Activity"],
            c.SentWhileGuardOff.Select(x => Row(Stamp(x.LoggedAt), N(x.MarketoId), x.Email ?? "", x.SentBy ?? "", x.Unsubscribed ? "yes" : "no", x.OptedOut ? "yes" : "no", x.ActivityId)),
            "No sent email was logged while the guard was off.", Shown(c.SentWhileGuardOff.Count, c.SentWhileGuardOffTotal), textColumns: [0, 2, 3, 4, 5, 6]);

    /// <summary>The section's facts on sends while the guard was off, and a callout when any reached an unsubscribed or opted-out person.</summary>
    private static SectionView WithGuardOffSends(ComplianceSection c, SectionView section) => section with
    {
        Facts = [.. section.Facts, Fact("Sent while the guard was off", N(c.SentWhileGuardOffTotal)),
                 Fact("Of those, to unsubscribed or opted-out people", N(c.SentWhileGuardOffToUnsubscribed))],
        Callout = c.SentWhileGuardOffToUnsubscribed == 0 ? "" :
            $"{N(c.SentWhileGuardOffToUnsubscribed)} sent email(s) logged while the unsubscribe guard was off went to people now unsubscribed in Marketo or opted out in Salesforce: see \"Sent while the guard was off\".",
    };

    private static SectionView QualitySection(HealthReport r)
    {
        var q = r.Quality;
        var ownersKnown = q.OwnersCheckedAt is not null;
        (string Label, long Value)[] bars =
        [
            ("People", q.People), ("Without email", q.WithoutEmail), ("Sharing an email", q.PeopleSharingAnEmail), ("Duplicate emails", q.DuplicateEmails),
            .. ownersKnown ? new[] { ("Owners", q.Owners), ("Owners inactive", q.OwnersInactive) } : [],
        ];
        return new SectionView("quality", "Data quality", "Duplicates by email, people without an email, and sales owners inactive in Salesforce.",
            [Fact("Owners checked in Salesforce", q.OwnersCheckedAt is { } at ? Stamp(at) : "never (owners unknown)")],
            [
                new ChartView("chart-quality", "People, duplicates and owners",
                    ReportCharts.StackedBars("People, duplicates and owners", bars.Select(b => b.Label).ToList(), [new ChartSeries("Count", bars.Select(b => (double)b.Value).ToList())], "count", horizontal: true),
                    Table("quality-totals", "Data quality totals", ["What", "Count"], bars.Select(b => Row(b.Label, N(b.Value))), "", firstText: 1)),
            ],
            [
                Table("quality-duplicates", "Emails shared by more than one person", ["Email", "People", "Marketo ids"],
                    q.TopDuplicates.Select(x => Row(x.Email, N(x.People), x.MarketoIds)), "No email is shared.", Shown(q.TopDuplicates.Count, q.DuplicateEmails), textColumns: [0, 2]),
                Table("quality-owners", "Sales owners inactive in Salesforce", ["Owner", "Name", "Email", "People"],
                    q.InactiveOwners.Select(x => Row(x.OwnerId, x.Name ?? "", x.Email ?? "", N(x.People))),
                    ownersKnown ? "Every owner is active." : "Owners have not been read from Salesforce yet.", Shown(q.InactiveOwners.Count, q.OwnersInactive), firstText: 3),
            ]);
    }

    private static SectionView? ReminderSection(HealthReport r)
    {
        if (r.Reminders is not { } m) return null;
        (string Label, long Value)[] bars = [("Open", m.Open), ("Overdue", m.Overdue), ("Completed", m.Completed), ("Pending", m.Pending), ("Failed", m.Failed), ("Conflicts", m.ConflictsSince)];
        return new SectionView("reminders", "Reminders", "Reminder tasks synced with Salesforce, and the conflicts resolved since the report's start.",
            [Fact("Last reminder pass", m.LastPassAt is { } at ? Stamp(at) : "never")],
            [
                new ChartView("chart-reminders", "Reminders by state, and conflicts",
                    ReportCharts.StackedBars("Reminders by state, and conflicts", bars.Select(b => b.Label).ToList(), [new ChartSeries("Count", bars.Select(b => (double)b.Value).ToList())], "reminders"),
                    Table("reminders-totals", "Reminder totals", ["What", "Count"], bars.Select(b => Row(b.Label, N(b.Value))), "", firstText: 1)),
            ],
            [
                Reasons("reminders-failed", "Reminders Salesforce refused, by reason", m.FailedByReason, "Salesforce refused no reminder."),
                Table("reminders-conflicts", "Conflicts", ["Resolved", "Reminder", "Marketo person", "Field", "Here", "Salesforce", "Kept"],
                    m.Conflicts.Select(x => Row(Stamp(x.ResolvedAt), x.ReminderId, N(x.MarketoId), x.Field, x.LocalValue ?? "", x.SalesforceValue ?? "", x.Kept)),
                    "No conflict in this period.", Shown(m.Conflicts.Count, m.ConflictsSince), textColumns: [0, 1, 3, 4, 5, 6]),
            ]);
    }

    private static TableView Reasons(string id, string caption, IReadOnlyList<ReasonCount> reasons, string empty) =>
        Table(id, caption, ["Reason", "Count"], reasons.Select(x => Row(x.Reason, N(x.Count))), empty, firstText: 1);

    /// <summary>A table; columns are numeric (right-aligned) from <paramref name="firstText"/> on, except <paramref name="textColumns"/>.</summary>
    private static TableView Table(string id, string caption, string[] columns, IEnumerable<IReadOnlyList<string>> rows, string empty, string note = "",
        int firstText = 0, int[]? textColumns = null)
    {
        var text = textColumns ?? [];
        return new(id, caption, columns.Select((name, i) => new ColumnView(name, i >= firstText && !text.Contains(i), LongColumns.Contains(name))).ToList(),
            rows.ToList(), empty, note);
    }

    /// <summary>Columns whose text may be long without spaces (emails, ids, messages): only these break anywhere; short words stay whole.</summary>
    private static readonly HashSet<string> LongColumns =
        ["Message", "Email", "Marketo ids", "Reason", "Activity", "Seller", "Company", "Salesforce record", "Reminder", "Here", "Salesforce", "Owner", "Name"];

    private static IReadOnlyList<string> Row(params string[] cells) => cells;
    private static FactView Fact(string label, string value) => new(label, value);

    private static ChartSeries Series<T>(string name, IReadOnlyList<T> rows, Func<T, long> value) => new(name, rows.Select(x => (double)value(x)).ToList());
    private static ChartSeries Series<T>(string name, IReadOnlyList<T> rows, Func<T, double> value) => new(name, rows.Select(value).ToList());

    private static string Shown(int shown, long total) => total > shown ? $"The first {N(shown)} of {N(total)}." : "";
    private static string Seller(string? name, string? id) => (name, id) switch
    {
        ({ Length: > 0 } n, { Length: > 0 } i) => $"{n} ({i})",
        ({ Length: > 0 } n, _) => n,
        (_, { Length: > 0 } i) => i,
        _ => "",
    };

    private static string N(long n) => StatusText.Number(n);
    private static string D1(double x) => x.ToString("0.0", Invariant);
    private static string Mb(long bytes) => D1(bytes / (1024.0 * 1024.0));
    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", Invariant);
    private static string Stamp(DateTimeOffset at, bool seconds = false) =>
        at.UtcDateTime.ToString(seconds ? "yyyy-MM-dd HH:mm:ss 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'", Invariant);

    /// <summary>"0.4 s", "22 s" under a minute (most incremental runs); then "0:04:12", "1.02:00:00" (days.hours:minutes:seconds).</summary>
    private static string Duration(TimeSpan span) =>
        span.TotalSeconds < 10 ? $"{span.TotalSeconds.ToString("0.0", Invariant)} s"
        : span.TotalSeconds < 60 ? $"{span.TotalSeconds.ToString("0", Invariant)} s"
        : span.ToString(span.TotalDays >= 1 ? @"d\.hh\:mm\:ss" : @"h\:mm\:ss", Invariant);

    private static string StateText(HealthState state) => state switch
    {
        HealthState.Healthy => "Healthy",
        HealthState.NeedsAttention => "Needs attention",
        _ => "Failing",
    };

    private static string StateClass(HealthState state) => state.ToString().ToLowerInvariant();
}
