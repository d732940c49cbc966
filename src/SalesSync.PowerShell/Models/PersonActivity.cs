using System.Globalization;
using Engine = SalesSync.Core.Feed;

namespace SalesSync;

/// <summary>
/// One activity of one person from Marketo's log (Get-PersonActivity), flat: the attributes that matter for its
/// category are properties (empty when it does not carry them), every attribute is also in Attributes as text, and
/// Category is text, so Export-Csv and ConvertTo-Json keep everything.
/// </summary>
public sealed class PersonActivity
{
    public long MarketoId { get; init; }
    public string? Email { get; init; }

    /// <summary>Marketo's marketoGUID, the activity's key.</summary>
    public string ActivityId { get; init; } = "";

    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset Date { get; init; }

    /// <summary>Date as ISO 8601 text in UTC, which Export-Csv writes the same in every culture.</summary>
    public string DateUtc { get; init; } = "";

    /// <summary>Email, Web, InterestingMoment, SalesEmail, SalesCall, SalesCampaign, CrmTask or Other.</summary>
    public string Category { get; init; } = "";

    /// <summary>The activity type's name as Marketo names it (Visit Webpage, Open Email, Interesting Moment, ...).</summary>
    public string Type { get; init; } = "";
    public int TypeId { get; init; }

    /// <summary>The primary attribute: the email's name, the page, form or link, the moment's description, the subject.</summary>
    public string? Primary { get; init; }
    public string? Subject { get; init; }
    public long? MailingId { get; init; }
    public string? Link { get; init; }
    public string? PageUrl { get; init; }

    /// <summary>A campaign's name (sales campaign activities); empty when the row names none.</summary>
    public string? Campaign { get; init; }

    /// <summary>For an email: the Campaign Run ID Marketo logs (the smart campaign run that sent it; an id, not a name).</summary>
    public long? CampaignRunId { get; init; }
    public string? InterestingMomentType { get; init; }
    public string? Description { get; init; }
    public string? Source { get; init; }
    public string? Status { get; init; }

    /// <summary>For an activity SalesSync logged: its ActivityId in Get-SalesActivity.</summary>
    public string? SalesActivityId { get; init; }

    /// <summary>Every attribute as "Name=Value", joined by "; ".</summary>
    public string Attributes { get; init; } = "";

    internal static PersonActivity From(Engine.PersonActivity a) => new()
    {
        MarketoId = a.MarketoId,
        Email = a.Email,
        ActivityId = a.ActivityId,
        Date = a.Date,
        DateUtc = a.Date.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        Category = a.Category.ToString(),
        Type = a.Type,
        TypeId = a.TypeId,
        Primary = a.Primary,
        Subject = a.Subject,
        MailingId = a.MailingId,
        Link = a.Link,
        PageUrl = a.PageUrl,
        Campaign = a.Campaign,
        CampaignRunId = a.CampaignRunId,
        InterestingMomentType = a.InterestingMomentType,
        Description = a.Description,
        Source = a.Source,
        Status = a.Status,
        SalesActivityId = a.SalesActivityId,
        Attributes = string.Join("; ", a.Attributes.Select(kv => kv.Key + "=" + kv.Value)),
    };
}

/// <summary>One person's activity in one ISO week (Get-PersonActivity -Summary Weekly): counts per category; weeks in this computer's time zone.</summary>
public sealed class PersonActivityWeek
{
    public long MarketoId { get; init; }
    public string? Email { get; init; }

    /// <summary>The ISO week, as 2026-W49, in this computer's time zone (Monday 00:00 to Sunday 24:00 local time).</summary>
    public string Week { get; init; } = "";

    /// <summary>The week's Monday (local date) as yyyy-MM-dd.</summary>
    public string WeekStart { get; init; } = "";
    public int EmailCount { get; init; }
    public int WebCount { get; init; }
    public int InterestingMomentCount { get; init; }
    public int SalesEmailCount { get; init; }
    public int SalesCallCount { get; init; }
    public int SalesCampaignCount { get; init; }
    public int CrmTaskCount { get; init; }
    public int OtherCount { get; init; }
    public int Total { get; init; }

    internal static PersonActivityWeek From(Engine.PersonActivityWeek w) => new()
    {
        MarketoId = w.MarketoId,
        Email = w.Email,
        Week = w.Week,
        WeekStart = w.WeekStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        EmailCount = w.EmailCount,
        WebCount = w.WebCount,
        InterestingMomentCount = w.InterestingMomentCount,
        SalesEmailCount = w.SalesEmailCount,
        SalesCallCount = w.SalesCallCount,
        SalesCampaignCount = w.SalesCampaignCount,
        CrmTaskCount = w.CrmTaskCount,
        OtherCount = w.OtherCount,
        Total = w.Total,
    };
}
