using System.Globalization;
using System.Text.RegularExpressions;
using SalesSync.Core.Report;
using static SalesSync.Core.Tests.Report.RendererSamples;

namespace SalesSync.Core.Tests.Report;

public sealed partial class RendererTests
{
    private static readonly string Page = HealthReportRenderer.Render(Sample(), Hostile);

    [Fact]
    public void HostileValuesShowAsText()
    {
        Assert.DoesNotContain("<script", Page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", Page, StringComparison.Ordinal);
        // The title, a run's message, a reason, an email, a seller, a guard change's user, a duplicate, an owner, a conflict.
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "runs-latest")[1][11]);
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "delivery-failed")[0][0]);
        Assert.Equal([Hostile, Hostile, Hostile, Hostile], RenderedPage.Rows(Page, "compliance-refused")[0].Skip(3).Take(4).Select(s => s.Split(" (")[0])); // email, company, sent by, record owner
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "compliance-guard")[0][1]);
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "quality-duplicates")[0][0]);
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "quality-owners")[0][1]);
        Assert.Equal(Hostile, RenderedPage.Rows(Page, "reminders-conflicts")[0][4]);
        Assert.Contains("<title>&lt;script&gt;", Page, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySectionIsThereWithItsChartsAndTheGeneratorMarker()
    {
        foreach (var id in new[] { "headline", "runs", "budget", "delivery", "compliance", "quality", "reminders" })
            Assert.Contains($"<section id=\"{id}\"", Page, StringComparison.Ordinal);
        Assert.True(Page.IndexOf("id=\"headline\"", StringComparison.Ordinal) < Page.IndexOf("id=\"runs\"", StringComparison.Ordinal), "the headline comes first");
        var charts = Regex.Matches(Page, "<figure id=\"(chart-[a-z-]+)\" class=\"chart\">\\s*<figcaption>[^<]+</figcaption>\\s*<svg ").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["chart-runs-people", "chart-runs-duration", "chart-budget-marketo", "chart-budget-bulk", "chart-budget-salesforce", "chart-budget-windows",
            "chart-delivery", "chart-compliance", "chart-quality", "chart-reminders"], charts);
        Assert.All(Regex.Matches(Page, "<svg [^>]*>").Select(m => m.Value), svg => Assert.Contains("viewBox=\"0 0 ", svg, StringComparison.Ordinal));
        Assert.Contains("<meta name=\"generator\" content=\"SalesSync Export-SalesSyncReport\">", Page[..HealthReportRenderer.MarkerWindow], StringComparison.Ordinal);
        Assert.True(HealthReportRenderer.IsOurs(System.Text.Encoding.UTF8.GetBytes(Page[..HealthReportRenderer.MarkerWindow])));
        // Self-contained: nothing to fetch (the SVG namespace is a name, not a request).
        Assert.DoesNotMatch("(src|href)=\"(https?:)?//|<link|@import|url\\((?!#|\"data:)", Page);
        // The charts' font is inline, and the charts name it with a generic fallback.
        Assert.Matches("@font-face \\{ font-family: \"DejaVu Sans\"; src: url\\(\"data:font/ttf;base64,[A-Za-z0-9+/=]{10000,}\"\\)", Page);
        Assert.All(Regex.Matches(Page, "font-family=\"([^\"]*)\"").Select(m => m.Groups[1].Value), family => Assert.Equal("'DejaVu Sans', sans-serif", family));
    }

    [Fact]
    public void TheHeadlineListsEveryFindingWithItsMessage()
    {
        var report = Sample();
        var rows = RenderedPage.Rows(Page, "headline-findings");
        Assert.Equal(report.Findings.Select(f => f.Message), rows.Select(r => r[2]));
        Assert.Equal(report.Findings.Select(f => f.Rule), rows.Select(r => r[1]));
        Assert.Contains("<section id=\"headline\" class=\"headline needsattention\">", Page, StringComparison.Ordinal);
    }

    [Fact]
    public void TablesHoldTheModelsNumbers()
    {
        var report = Sample();
        Assert.Equal(
            report.Runs.Days.Select(d => new[] { d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Runs.ToString(CultureInfo.InvariantCulture), d.Added.ToString(CultureInfo.InvariantCulture), d.MarketoCalls.ToString(CultureInfo.InvariantCulture) }),
            RenderedPage.Rows(Page, "runs-days").Select(r => new[] { r[0], r[1], Plain(r[5]), Plain(r[8]) }));
        Assert.Equal(["2026-12-05", "1,234,567", "700.0", "0:12:30"], RenderedPage.Rows(Page, "runs-days")[0].Where((_, i) => i is 0 or 5 or 10 or 11));
        Assert.Equal(
            report.Delivery.Rows.Select(d => new object[] { d.Kind, d.Destination, d.Pending, d.Held, d.Sending, d.Delivered, d.Failed, d.Refused }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))),
            RenderedPage.Rows(Page, "delivery-rows").Select(r => r.Select(Plain)));
        Assert.Equal(["Sends refused", "4"], RenderedPage.Rows(Page, "compliance-totals")[0]);
        Assert.Equal(report.Budget.BusiestWindows.Select(w => w.Calls.ToString(CultureInfo.InvariantCulture)), RenderedPage.Rows(Page, "budget-windows").Select(r => r[2]));
        Assert.Equal(["45,000", "not read"], RenderedPage.Rows(Page, "budget-marketo").Select(r => r[2]));
        Assert.Equal([["People", "1,000,000"], ["Without email", "17"], ["Sharing an email", "5"], ["Duplicate emails", "2"], ["Owners", "12"], ["Owners inactive", "1"]],
            RenderedPage.Rows(Page, "quality-totals"));
        Assert.Equal(["Open", "4"], RenderedPage.Rows(Page, "reminders-totals")[0]);
    }

    [Fact]
    public void TheRemindersSectionIsLeftOutWhileReminderSyncIsOff()
    {
        var page = HealthReportRenderer.Render(Sample(reminders: false));
        Assert.DoesNotContain("id=\"reminders", page, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"#reminders\"", page, StringComparison.Ordinal);
        Assert.Contains("<section id=\"quality\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptySectionsSayWhatIsMissing()
    {
        var empty = Sample(reminders: false) with
        {
            Runs = new RunsSection { Days = [], Latest = [] },
            Budget = new ApiBudgetSection { Days = [], BusiestWindows = [], MarketoDailyQuota = 50000 },
        };
        var page = HealthReportRenderer.Render(empty);
        Assert.Equal([["No sync ran in this period."]], RenderedPage.Rows(page, "runs-days"));
        Assert.Contains("<figure id=\"chart-runs-people\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("de-DE")]
    [InlineData("ar-SA")]
    public void TheCallersCultureChangesNothing(string culture)
    {
        var (before, beforeUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
            // Skia numbers clip paths from a process-wide counter: the ids differ between renderings, nothing else may.
            Assert.Equal(ClipIds().Replace(Page, "cl"), ClipIds().Replace(HealthReportRenderer.Render(Sample(), Hostile), "cl"));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (before, beforeUi);
        }
    }

    [GeneratedRegex("cl_[0-9a-f]+")]
    private static partial Regex ClipIds();

    private static string Plain(string cell) => cell.Replace(",", "", StringComparison.Ordinal);

    /// <summary>
    /// The lead's look at the demo page: runs under a minute read "0.4 s" or "22 s", not 0:00:00; short words
    /// ("Completed", "Incremental") never break mid-word (only the long columns may break anywhere); the Marketo
    /// instance's figure is never below SalesSync's own; the org's Salesforce calls are shown where read.
    /// </summary>
    [Fact]
    public void ShortRunsShortWordsAndTheInstancesCallsReadWell()
    {
        var sample = Sample();
        var at = new DateTimeOffset(2026, 12, 7, 8, 5, 0, TimeSpan.Zero);
        var report = sample with
        {
            Runs = sample.Runs with { Latest = [sample.Runs.Latest[0] with { Duration = TimeSpan.FromSeconds(0.42) }, sample.Runs.Latest[1] with { Duration = TimeSpan.FromSeconds(22.2) }] },
            Budget = sample.Budget with { Days = [new ApiUsageDay(new DateOnly(2026, 12, 7), 196, 169, 0, 40, 1_234, at, 150)] },
        };
        var page = HealthReportRenderer.Render(report);
        Assert.Equal(["0.4 s", "22 s"], RenderedPage.Rows(page, "runs-latest").Select(r => r[2]));
        Assert.Equal([["2026-12-07", "196", "215", "2026-12-07 08:05 UTC", "50,000", "none"]], RenderedPage.Rows(page, "budget-marketo"));
        Assert.Equal([["2026-12-07", "40", "1,234", "15,000"]], RenderedPage.Rows(page, "budget-salesforce"));
        // The status cell is plain (breaks between words only); the message cell is the one that may break anywhere.
        var latest = page[page.IndexOf("<table id=\"runs-latest\"", StringComparison.Ordinal)..];
        latest = latest[..latest.IndexOf("</table>", StringComparison.Ordinal)];
        Assert.Contains("<td>Completed</td>", latest, StringComparison.Ordinal);
        Assert.Contains("<td>Incremental</td>", latest, StringComparison.Ordinal);
        Assert.Contains("<th class=\"long\">Message</th>", latest, StringComparison.Ordinal);
        Assert.DoesNotContain("overflow-wrap: anywhere; min-width: 6em; }", page.Replace("td.long { overflow-wrap: anywhere; min-width: 6em; }", ""), StringComparison.Ordinal);
    }
}
