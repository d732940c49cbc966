using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>The local side of reminders on a database prepared in the test: what is stored, what is refused, what a pass would have to send.</summary>
public sealed class ReminderBookTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly string Owner = SalesforceIds.To18("0055g00000AbCdE")!;
    private readonly TempFolder _temp = new();
    private readonly StoreLease _lease;

    public ReminderBookTests()
    {
        _lease = StoreRegistry.Open(_temp.File("reminders.db"), "123-abc-456.mktorest.com", null);
        Store.People.Upsert([
            Person(1, "ana@example.com", contact: "0035g00000AbCdEAAA"),
            Person(2, "bo@example.com", lead: "00Q5g00000AbCdEAAA"),
            Person(3, "dup@example.com", lead: "00Q5g00000AbCdFAAA"),
            Person(4, "dup@example.com", lead: "00Q5g00000AbCdGAAA"),
            Person(5, "noowner@example.com", lead: "00Q5g00000AbCdHAAA") with { SalesOwnerId = null },
        ], runId: 1);
    }

    private SyncStore Store => _lease.Store;
    private ReminderBook Book => new(Store);

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private static PersonRecord Person(long id, string email, string? contact = null, string? lead = null) => new()
    {
        MarketoId = id,
        FirstName = "P" + id,
        LastName = "Person",
        Email = email,
        SalesforceType = contact is null ? "Lead" : "Contact",
        SalesforceContactId = contact,
        SalesforceLeadId = lead,
        SalesOwnerId = Owner,
        SyncedAt = Now,
    };

    private static NewReminderRequest Request(long? id = 1, string subject = "Call back about pricing", string? email = null) =>
        new() { MarketoId = id, Email = email, Subject = subject, DueDate = new DateOnly(2026, 12, 10) };

    [Fact]
    public void AReminderIsStoredForThePersonsContactAndOwnerAndWaitsForSyncOnlyWhenSyncIsOn()
    {
        var off = Book.Create(Request(), Now);
        Assert.Equal("0035g00000AbCdEAAA", off.SalesforceWhoId);
        Assert.Equal(Owner, off.OwnerId);
        Assert.Equal("Open", off.Status);
        Assert.Equal(nameof(ReminderSyncState.NotSynced), off.SyncState);
        Assert.Contains("IncludeExisting", off.SyncNote);

        Store.Settings.SaveActivities(Store.Settings.Activities with { ReminderSync = ReminderSyncMode.TwoWay });
        var on = Book.Create(Request(2, "Send the contract"), Now);
        Assert.Equal("00Q5g00000AbCdEAAA", on.SalesforceWhoId); // no contact: the lead
        Assert.Equal(nameof(ReminderSyncState.Pending), on.SyncState);
        Assert.Equal([on.ReminderId], Store.Reminders.WithWork().Select(r => r.Id));
        Assert.NotNull(Store.Settings.Activities.ReminderSyncEnabledAt);
    }

    [Fact]
    public void EditsRecordWhichFieldsChangedAndWhenAndADeleteKeepsATombstone()
    {
        var made = Book.Create(Request(), Now);
        var later = Now.AddHours(1);
        var edited = Book.Update(made.ReminderId.ToLowerInvariant(), new ReminderEdit { Priority = ReminderPriority.High, Status = ReminderStatus.Complete }, later);
        Assert.Equal(("High", "Complete"), (edited.Priority, edited.Status));
        Assert.Equal(later, edited.CompletedAt);
        var stored = Store.Reminders.Find(made.ReminderId)!;
        Assert.Equal(later, stored.ChangedAt[ReminderFields.Priority]);
        Assert.Equal(Now, stored.ChangedAt[ReminderFields.DueDate]);

        // The same values again change nothing (no new edit time a conflict would read).
        Book.Update(made.ReminderId, new ReminderEdit { Priority = ReminderPriority.High }, later.AddHours(1));
        Assert.Equal(later, Store.Reminders.Find(made.ReminderId)!.ChangedAt[ReminderFields.Priority]);

        var reopened = Book.Update(made.ReminderId, new ReminderEdit { Status = ReminderStatus.Open }, later.AddHours(2));
        Assert.Null(reopened.CompletedAt);

        var removed = Book.Remove(made.ReminderId, later.AddHours(3));
        Assert.Equal(nameof(ReminderSyncState.Deleted), removed.SyncState);
        Assert.Empty(Book.Query(new ReminderQuery()));
        Assert.Single(Book.Query(new ReminderQuery { IncludeDeleted = true }));
        var e = Assert.Throws<ReminderException>(() => Book.Update(made.ReminderId, new ReminderEdit { Subject = "x" }, later));
        Assert.Equal(ReminderFailureReason.ReminderDeleted, e.Reason);
    }

    [Fact]
    public void WhatIfChangesAndDeletesWriteNothing()
    {
        var made = Book.Create(Request(), Now);
        Book.Update(made.ReminderId, new ReminderEdit { Subject = "Other" }, Now.AddHours(1), whatIf: true);
        Book.Remove(made.ReminderId, Now.AddHours(1), whatIf: true);
        var stored = Store.Reminders.Find(made.ReminderId)!;
        Assert.Equal(("Call back about pricing", false), (stored.Values.Subject, stored.Deleted));
    }

    [Theory]
    [InlineData(null, "", nameof(ReminderFailureReason.InvalidValue))]
    [InlineData(null, "line one\nline two", nameof(ReminderFailureReason.InvalidValue))]
    [InlineData(null, "line\u2028two", nameof(ReminderFailureReason.InvalidValue))]
    [InlineData(null, "256", nameof(ReminderFailureReason.ValueTooLong))]
    [InlineData(99L, "ok", nameof(ReminderFailureReason.PersonNotSynced))]
    [InlineData(-1L, "ok", nameof(ReminderFailureReason.InvalidValue))]
    [InlineData(5L, "ok", nameof(ReminderFailureReason.NoOwner))]
    public void BadRequestsAreRefusedWithAReason(long? id, string subject, string reason)
    {
        if (subject == "256") subject = new string('s', 256);
        var e = Assert.Throws<ReminderException>(() => Book.Create(Request(id ?? 1, subject), Now));
        Assert.Equal(reason, e.Reason.ToString());
        Assert.Equal(0, Store.Reminders.Count);
    }

    [Fact]
    public void PeopleAreFoundByEmailUnlessSeveralShareIt()
    {
        Assert.Equal(2, Book.Create(Request(null, email: " BO@example.com "), Now).MarketoId);
        Assert.Equal(ReminderFailureReason.AmbiguousEmail, Assert.Throws<ReminderException>(() => Book.Create(Request(null, email: "dup@example.com"), Now)).Reason);
        Assert.Equal(ReminderFailureReason.MissingPerson, Assert.Throws<ReminderException>(() => Book.Create(Request(null), Now)).Reason);
        Assert.Equal(255, Book.Create(Request(subject: new string('s', 255)), Now).Subject.Length);
    }

    [Theory]
    [InlineData("00G5g00000AbCdEAAA")] // a queue
    [InlineData("0055g00000AbCd")] // 14 characters
    [InlineData("0035g00000AbCdEAAA")] // a contact
    public void TheOwnerIsASellersUserId(string owner)
    {
        var e = Assert.Throws<ReminderException>(() => Book.Create(Request() with { OwnerId = owner }, Now));
        Assert.Equal(ReminderFailureReason.InvalidValue, e.Reason);
        Assert.Equal("0055g00000AbCdFAAA".Length, Book.Create(Request() with { OwnerId = "0055g00000AbCdF" }, Now).OwnerId!.Length);
    }

    [Fact]
    public void QueriesFilterByPersonOwnerStatusDueDateAndOverdue()
    {
        var today = new DateOnly(2026, 12, 7);
        var late = Book.Create(Request() with { DueDate = today.AddDays(-1) }, Now);
        var due = Book.Create(Request(2) with { DueDate = today }, Now);
        var done = Book.Create(Request(2) with { DueDate = today.AddDays(-3) }, Now);
        Book.Update(done.ReminderId, new ReminderEdit { Status = ReminderStatus.Complete }, Now);

        Assert.Equal([late.ReminderId], Book.Query(new ReminderQuery { Overdue = true, Today = today }).Select(r => r.ReminderId));
        Assert.True(Book.Query(new ReminderQuery { ReminderIds = [late.ReminderId], Today = today }).Single().Overdue);
        Assert.Equal([done.ReminderId, due.ReminderId], Book.Query(new ReminderQuery { MarketoIds = [2] }).Select(r => r.ReminderId));
        Assert.Equal([due.ReminderId], Book.Query(new ReminderQuery { DueFrom = today, DueTo = today }).Select(r => r.ReminderId));
        Assert.Equal([done.ReminderId], Book.Query(new ReminderQuery { Status = ReminderStatus.Complete }).Select(r => r.ReminderId));
        Assert.Equal(3, Book.Query(new ReminderQuery { OwnerIds = ["0055g00000AbCdE"] }).Count());
        Assert.Equal("P1 Person", Book.Find(late.ReminderId)!.Name);
    }

    [Fact]
    public void AUserIdTypedInAnyCaseIsStoredAndFilteredInItsCanonicalForm()
    {
        // The suffix in lower case, and the whole id in upper case: the suffix restores the case of the first 15.
        var lowerSuffix = Owner[..15] + Owner[15..].ToLowerInvariant();
        Assert.Equal(Owner, ReminderBook.CheckOwner(lowerSuffix));
        Assert.Equal(Owner, ReminderBook.CheckOwner(Owner.ToUpperInvariant()));
        var made = Book.Create(Request() with { OwnerId = lowerSuffix }, Now);
        Assert.Equal(Owner, made.OwnerId);
        Assert.Equal([made.ReminderId], Book.Query(new ReminderQuery { OwnerIds = [Owner.ToUpperInvariant()] }).Select(r => r.ReminderId));
        // A suffix that fits no casing of the first 15 (a digit would have to be upper case) is a typo.
        var e = Assert.Throws<ReminderException>(() => ReminderBook.CheckOwner(Owner[..15] + "ZZZ"));
        Assert.Equal(ReminderFailureReason.InvalidValue, e.Reason);
        Assert.Contains("do not match", e.Message);
    }

    [Fact]
    public void ASubjectOfInvisibleCharactersIsEmptyAndEmojiAreCountedAsSalesforceCountsThem()
    {
        var empty = Assert.Throws<ReminderException>(() => Book.Create(Request(subject: "\u200B\u200B\uFEFF \u2060"), Now));
        Assert.Equal(ReminderFailureReason.InvalidValue, empty.Reason);
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 200));
        var tooLong = Assert.Throws<ReminderException>(() => Book.Create(Request(subject: emoji), Now));
        Assert.Equal(ReminderFailureReason.ValueTooLong, tooLong.Reason);
        Assert.StartsWith("Subject has 200 characters, which Salesforce counts as 400 (it counts UTF-16 code units", tooLong.Message);
        Assert.Equal(127, Book.Create(Request(subject: string.Concat(Enumerable.Repeat("\U0001F600", 127))), Now).Subject.Length / 2);
    }

    [Fact]
    public void ACreateWithAnUnknownOutcomeSaysWhenTheNextPassLooksForItsTask()
    {
        var made = Book.Create(Request(), Now);
        var record = Store.Reminders.Find(made.ReminderId)! with { SendingSince = Now };
        var output = ReminderBook.ToOutput(record, null, new DateOnly(2026, 12, 7), TimeSpan.FromMinutes(10));
        Assert.Equal("Sending", output.SyncState);
        Assert.Equal("Sent 2026-12-07 12:00:00Z, outcome unknown: the next pass after 2026-12-07 12:10:00Z looks for the Task before sending again.", output.SyncNote);
    }

    [Theory]
    [InlineData("UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record", true)]
    [InlineData("CANNOT_UPDATE_CONVERTED_LEAD: cannot reference converted lead", true)]
    [InlineData("INVALID_CROSS_REFERENCE_KEY: invalid cross reference id", false)]
    [InlineData(null, false)]
    public void RefusalsThatPassByThemselvesAreKnown(string? note, bool passing) => Assert.Equal(passing, ReminderBook.RetriedByItself(note));
}
