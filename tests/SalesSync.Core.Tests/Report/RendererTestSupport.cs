using System.Net;
using System.Text.RegularExpressions;
using SalesSync.Core.Report;
using SalesSync.Core.Status;

namespace SalesSync.Core.Tests.Report;

/// <summary>A report with a value of every kind in every section, and hostile text wherever Marketo or Salesforce supplies it.</summary>
internal static class RendererSamples
{
    public const string Hostile = "<script>alert(1)</script>";
    public static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 30, 0, TimeSpan.Zero);

    public static HealthReport Sample(bool reminders = true)
    {
        var day1 = new DateOnly(2026, 12, 5);
        var day2 = new DateOnly(2026, 12, 6);
        var facts = new StatusFacts { CheckedAt = Now, GuardOn = false, GuardChangedAt = Now.AddDays(-1), GuardChangedBy = Hostile };
        var findings = HealthRules.Evaluate(facts);
        return new HealthReport
        {
            GeneratedAt = Now,
            Since = Now.AddDays(-30),
            MarketoInstance = "123-ABC-456.mktorest.com",
            HasSalesforce = true,
            Facts = facts,
            State = HealthRules.Verdict(findings),
            Findings = findings,
            Runs = new RunsSection
            {
                Days =
                [
                    new RunDay(day1, 3, 12, 1, 0, 1234567, 2500, 12, 40123, 812, 734_003_200, TimeSpan.FromMinutes(12.5)),
                    new RunDay(day2, 2, 0, 0, 1, 10, 20, 0, 55, 3, 0, TimeSpan.FromSeconds(42)),
                ],
                Latest =
                [
                    new RunRow(7, Now.AddHours(-20), TimeSpan.FromSeconds(42), "Incremental", "Rest", "Completed", 10, 20, 0, 55, 3, null),
                    new RunRow(6, Now.AddHours(-44), null, "Full", "Bulk", "Failed", 0, 0, 0, 9, 0, Hostile),
                ],
                TotalRuns = 5,
                TotalWatchPolls = 12,
                TotalFailed = 1,
            },
            Budget = new ApiBudgetSection
            {
                Days = [new ApiUsageDay(day1, 40123, 45000, 734_003_200, 812), new ApiUsageDay(day2, 55, null, 0, 3)],
                MarketoDailyQuota = 50000,
                MarketoDailyCallBudget = 0,
                SalesforceDailyLimit = 15000,
                BusiestWindows = [new BusyWindow(Now.AddDays(-2), 98), new BusyWindow(Now.AddDays(-2).AddSeconds(20), 61)],
            },
            Delivery = new DeliverySection
            {
                Rows = [new DeliveryRow("SentEmail", "Marketo", 2, 1, 0, 1500, 3, 4), new DeliveryRow("SentEmail", "Salesforce", 0, 0, 0, 1506, 1, 4)],
                FailedByReason = [new ReasonCount(Hostile, 3), new ReasonCount("INVALID_FIELD", 1)],
                RefusedByReason = [new ReasonCount("Unsubscribed", 8)],
                OldestPendingAt = Now.AddHours(-3),
                OldestPendingActivityId = "act-1",
                TotalActivities = 1510,
            },
            Compliance = new ComplianceSection
            {
                RefusedSends = [new RefusedSend("act-9", 4242, Hostile, Now.AddHours(-5), Now.AddHours(-5), "005000000000001", Hostile, "Unsubscribed", SentBy: Hostile) { Company = Hostile }],
                RefusedSendsTotal = 4,
                OptOutsPushed = [new OptOutPush("00Q000000000001", "Lead", 4242, "a@example.com", Now.AddHours(-4))],
                OptOutsPushedTotal = 1,
                GuardChanges = [new GuardChange(Now.AddDays(-1), Hostile, false)],
                GuardOn = false,
            },
            Quality = new DataQualitySection
            {
                People = 1_000_000, DuplicateEmails = 2, PeopleSharingAnEmail = 5, WithoutEmail = 17,
                TopDuplicates = [new DuplicateEmail(Hostile, 3, "1, 2, 3"), new DuplicateEmail("b@example.com", 2, "4, 5")],
                Owners = 12, OwnersInactive = 1, OwnersCheckedAt = Now.AddDays(-1),
                InactiveOwners = [new InactiveOwner("005000000000009", Hostile, "gone@example.com", 321)],
            },
            Reminders = reminders
                ? new ReminderSection
                {
                    Open = 4, Overdue = 1, Completed = 9, Pending = 2, Failed = 1,
                    FailedByReason = [new ReasonCount("INACTIVE_OWNER_OR_USER", 1)],
                    ConflictsSince = 1,
                    Conflicts = [new ReminderConflictRow("rem-1", 4242, "Subject", Hostile, "Call back", "Salesforce", Now.AddHours(-6))],
                    LastPassAt = Now.AddHours(-1),
                }
                : null,
        };
    }
}

/// <summary>Reads the rendered page's tables back (cells HTML-decoded), as a reader of the page sees them.</summary>
internal static partial class RenderedPage
{
    public static IReadOnlyList<IReadOnlyList<string>> Rows(string html, string tableId)
    {
        var table = Regex.Match(html, $"<table id=\"{Regex.Escape(tableId)}\">(.*?)</table>", RegexOptions.Singleline);
        Assert.True(table.Success, $"table {tableId} is missing");
        var body = Regex.Match(table.Groups[1].Value, "<tbody>(.*?)</tbody>", RegexOptions.Singleline).Groups[1].Value;
        return Regex.Matches(body, "<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)
            .Select(tr => (IReadOnlyList<string>)Regex.Matches(tr.Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline)
                .Select(td => WebUtility.HtmlDecode(td.Groups[1].Value)).ToList())
            .ToList();
    }
}
