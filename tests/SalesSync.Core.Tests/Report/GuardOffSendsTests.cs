using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Report;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>
/// The compliance section's "sent while the guard was off": sent emails stored with the guard off (the logger's group
/// commit passes guardOff) are listed with who sent them and whether the person is now unsubscribed or opted out.
/// </summary>
public sealed class GuardOffSendsTests : IDisposable
{
    private static readonly CallCounters Counters = new(12, 10_000, null, true, null, null, 0.9);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private const string Contact = "0035g000000ABCDAAA";

    private readonly TempFolder _temp = new();
    private readonly StoreLease _lease;

    public GuardOffSendsTests() => _lease = StoreRegistry.Open(_temp.File("report.db"), "123-abc-456.mktorest.com", null);

    private SyncStore Store => _lease.Store;

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private static PersonRecord Person(long id, bool unsubscribed, string? contact = null) => new()
    {
        MarketoId = id,
        Email = $"p{id}@example.com",
        Unsubscribed = unsubscribed,
        SalesforceType = contact is null ? "Lead" : "Contact",
        SalesforceLeadId = contact is null ? $"00Q5g0000000{id:000}AAA" : null,
        SalesforceContactId = contact,
        SalesOwnerId = "005000000000001AAA",
        SyncedAt = Now.AddDays(-1),
    };

    private static SalesActivity Sent(SalesActivityKind kind, long person, DateTimeOffset logged, string sentBy) => new()
    {
        ActivityId = SalesActivity.NewId(),
        Kind = kind,
        MarketoId = person,
        Email = $"p{person}@example.com",
        SalesOwnerId = "005000000000001AAA",
        OccurredAt = logged.AddMinutes(-1),
        LoggedAt = logged,
        Marketo = Delivery.Pending,
        Salesforce = Delivery.NotRequired,
        Attributes = new Dictionary<string, string> { [SalesActivityCatalog.SentBy.ApiName] = sentBy },
    };

    [Fact]
    public void SentEmailsStoredWithTheGuardOffAreListedNewestFirstAndMarkedWhenThePersonUnsubscribedOrOptedOut()
    {
        Store.People.Upsert([Person(1, unsubscribed: true), Person(2, unsubscribed: false), Person(3, unsubscribed: false, Contact)], runId: 1);
        Store.OptOuts.Save([new SalesforceOptOut { Id = Contact, Type = "Contact", OptedOut = true, EverOptedOut = true, SeenAt = Now }]);
        var toUnsubscribed = Sent(SalesActivityKind.EmailSent, 1, Now.AddHours(-3), "ana@acme.example");
        var toSubscribed = Sent(SalesActivityKind.EmailSent, 2, Now.AddHours(-2), "ben@acme.example");
        var toOptedOut = Sent(SalesActivityKind.EmailSent, 3, Now.AddHours(-1), "cy@acme.example");
        var old = Sent(SalesActivityKind.EmailSent, 1, Now.AddDays(-40), "ana@acme.example");
        Store.Activities.Add([toUnsubscribed, toSubscribed, toOptedOut, old, Sent(SalesActivityKind.CallReceived, 1, Now.AddHours(-1), "ana@acme.example")], guardOff: true);
        Store.Activities.Add([Sent(SalesActivityKind.EmailSent, 1, Now.AddHours(-1), "dee@acme.example")]); // guard on: not listed

        var compliance = HealthReportReader.Read(Store, Counters, Now.AddDays(-30), Now).Compliance;

        Assert.Equal([
            new GuardOffSend(toOptedOut.ActivityId, 3, "p3@example.com", "cy@acme.example", toOptedOut.LoggedAt, Unsubscribed: false, OptedOut: true),
            new GuardOffSend(toSubscribed.ActivityId, 2, "p2@example.com", "ben@acme.example", toSubscribed.LoggedAt, Unsubscribed: false, OptedOut: false),
            new GuardOffSend(toUnsubscribed.ActivityId, 1, "p1@example.com", "ana@acme.example", toUnsubscribed.LoggedAt, Unsubscribed: true, OptedOut: false),
        ], compliance.SentWhileGuardOff);
        Assert.Equal(3, compliance.SentWhileGuardOffTotal);
        Assert.Equal(2, compliance.SentWhileGuardOffToUnsubscribed);
        Assert.Equal(4, HealthReportReader.Read(Store, Counters, Now.AddDays(-60), Now).Compliance.SentWhileGuardOffTotal);
    }

    [Fact]
    public async Task ThePageShowsTheSendsWithACalloutWhenAnyWentToAnUnsubscribedPerson()
    {
        Store.People.Upsert([Person(1, unsubscribed: true)], runId: 1);
        var send = Sent(SalesActivityKind.EmailSent, 1, Now.AddHours(-3), "ana@acme.example");
        Store.Activities.Add([send], guardOff: true);
        var report = HealthReportReader.Read(Store, Counters, Now.AddDays(-30), Now);

        var html = new StringWriter();
        await HealthReportRenderer.RenderAsync(report, html, "t");
        var page = html.ToString();
        Assert.Contains("<p class=\"callout\" role=\"alert\">1 sent email(s) logged while the unsubscribe guard was off went to people now unsubscribed", page);
        Assert.Contains("<table id=\"compliance-guard-off\">", page);
        Assert.Contains(send.ActivityId, page);
        Assert.Contains("<th>Sent by</th><th>Record owner</th>", page);
    }
}
