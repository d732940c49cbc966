using SalesSync.Core.Activities;

namespace SalesSync.Core.Feed;

/// <summary>What a person's activity is about, as the Sales Insight grid and its tabs group it.</summary>
public enum ActivityCategory
{
    Email,
    Web,
    InterestingMoment,
    SalesEmail,
    SalesCall,
    SalesCampaign,
    CrmTask,

    /// <summary>A type asked for by name (-ActivityType) that no category holds.</summary>
    Other,
}

/// <summary>
/// Which Marketo activity types each category reads, by name (standard types have the same ids in every instance,
/// but names are what Get Activity Types promises) and, for SalesSync's own custom types, by API name.
/// </summary>
public static class FeedCategories
{
    /// <summary>
    /// The default: what the Smart Grid shows and the SIA FAQ names ("email, call, interesting moment and web"), with
    /// the sales emails and campaigns SIA logs. CRM tasks are Salesforce's own records, shown there: asked for by name.
    /// </summary>
    public static IReadOnlyList<ActivityCategory> Default { get; } =
        [ActivityCategory.Email, ActivityCategory.Web, ActivityCategory.InterestingMoment, ActivityCategory.SalesEmail, ActivityCategory.SalesCall, ActivityCategory.SalesCampaign];

    /// <summary>Every category a request can name (Other is what unlisted types fall into).</summary>
    public static IReadOnlyList<ActivityCategory> All { get; } = [.. Default, ActivityCategory.CrmTask];

    /// <summary>Standard types by category, in the order they are grouped into calls (marketing email and web fill one group of 10).</summary>
    public static IReadOnlyList<(string Name, ActivityCategory Category)> StandardTypes { get; } =
    [
        ("Send Email", ActivityCategory.Email), ("Email Delivered", ActivityCategory.Email), ("Email Bounced", ActivityCategory.Email),
        ("Unsubscribe Email", ActivityCategory.Email), ("Open Email", ActivityCategory.Email), ("Click Email", ActivityCategory.Email),
        ("Email Bounced Soft", ActivityCategory.Email),
        ("Visit Webpage", ActivityCategory.Web), ("Fill Out Form", ActivityCategory.Web), ("Click Link", ActivityCategory.Web),
        ("Interesting Moment", ActivityCategory.InterestingMoment),
        ("Send Sales Email", ActivityCategory.SalesEmail), ("Open Sales Email", ActivityCategory.SalesEmail), ("Click Sales Email", ActivityCategory.SalesEmail),
        ("Receive Sales Email", ActivityCategory.SalesEmail), ("Sales Email Bounced", ActivityCategory.SalesEmail),
        ("SFDC Activity", ActivityCategory.CrmTask), ("SFDC Activity Updated", ActivityCategory.CrmTask),
    ];

    /// <summary>SalesSync's custom types (Install-SalesActivityType) by API name.</summary>
    public static ActivityCategory? OfSalesSyncType(string? apiName)
    {
        var type = SalesActivityCatalog.Types.FirstOrDefault(t => string.Equals(t.ApiName, apiName, StringComparison.OrdinalIgnoreCase));
        return type?.Family switch
        {
            SalesActivityFamily.Email => ActivityCategory.SalesEmail,
            SalesActivityFamily.Call => ActivityCategory.SalesCall,
            SalesActivityFamily.Campaign => ActivityCategory.SalesCampaign,
            _ => null,
        };
    }

    /// <summary>Type names a user is likely to ask for (tab completion): the standard ones and SalesSync's own.</summary>
    public static IReadOnlyList<string> KnownTypeNames { get; } =
        [.. StandardTypes.Select(t => t.Name), .. SalesActivityCatalog.Types.Select(t => t.Name)];

    /// <summary>
    /// Marketo's retention of a type (Marketo Nation "Activities Data Retention Policy"): New Lead for ever (null);
    /// Delete Lead 14 days; 90 days for web visits, link clicks, sends, deliveries, data value and score changes and
    /// list adds; 25 months for the rest (custom types included).
    /// </summary>
    public static TimeSpan? Retention(int typeId) => typeId switch
    {
        12 => null,
        37 => TimeSpan.FromDays(14),
        1 or 3 or 6 or 7 or 13 or 22 or 24 => NinetyDays,
        _ => TwentyFiveMonths,
    };

    public static readonly TimeSpan NinetyDays = TimeSpan.FromDays(90);

    /// <summary>25 months, counted short (760 days) so a -Since near the edge never asks for what was just purged.</summary>
    public static readonly TimeSpan TwentyFiveMonths = TimeSpan.FromDays(760);
}
