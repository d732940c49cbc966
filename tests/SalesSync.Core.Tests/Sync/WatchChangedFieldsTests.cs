using System.Reflection;
using SalesSync.Core.People;

namespace SalesSync.Core.Tests.Sync;

/// <summary>Review L3: an update (what SameValuesAs calls one) always names the fields that changed in ChangedFields.</summary>
public class WatchChangedFieldsTests
{
    private static readonly PersonRecord Before = new()
    {
        MarketoId = 7, FirstName = "Ada", LastName = "Lovelace", Email = "ada@example.com", Company = "Analytical", Title = "CTO", Phone = "+1 555 0100",
        LinkedInUrl = "https://www.linkedin.com/in/ada", Source = "Web", SalesforceType = "Contact", SalesforceLeadId = "00Q000000000001AAA",
        SalesforceContactId = "003000000000001AAA", SalesforceAccountId = "001000000000001AAA", SalesforceOpportunityId = "006000000000001AAA",
        OpportunityUnread = false, SalesOwnerId = "005000000000001AAA", Unsubscribed = false,
        MarketoUpdatedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), SyncedAt = new DateTimeOffset(2026, 12, 1, 9, 5, 0, TimeSpan.Zero),
    };

    /// <summary>A different value of the property's type.</summary>
    private static object? Other(PropertyInfo p, object? value) => value switch
    {
        string s => s + "x",
        bool b => !b,
        DateTimeOffset d => d.AddMinutes(1),
        _ => throw new InvalidOperationException($"{p.Name}: no other value for {p.PropertyType}"),
    };

    [Fact]
    public void EveryComparedFieldThatChangesIsNamedAndOnlyThat()
    {
        var fields = typeof(PersonRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name is not nameof(PersonRecord.MarketoId) and not nameof(PersonRecord.SyncedAt)).ToList();
        Assert.Contains(fields, p => p.Name == nameof(PersonRecord.MarketoUpdatedAt));
        Assert.Contains(fields, p => p.Name == nameof(PersonRecord.OpportunityUnread));
        foreach (var field in fields)
        {
            // A copy through the record's own `with` (the clone), then the one property set.
            var after = Before with { };
            field.SetValue(after, Other(field, field.GetValue(Before)));
            Assert.False(after.SameValuesAs(Before), field.Name);
            Assert.Equal([field.Name], after.FieldsChangedFrom(Before));
        }
        // SyncedAt alone is no update, and names nothing.
        var resynced = Before with { SyncedAt = Before.SyncedAt.AddDays(1) };
        Assert.True(resynced.SameValuesAs(Before));
        Assert.Empty(resynced.FieldsChangedFrom(Before));
        // Several at once, in declaration order.
        Assert.Equal(["Title", "Phone", "MarketoUpdatedAt"], (Before with { Phone = "+1 555 0199", Title = "CEO", MarketoUpdatedAt = DateTimeOffset.UnixEpoch }).FieldsChangedFrom(Before));
    }
}
