using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Activities;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Feed;

/// <summary>A person a feed request asks about: the Marketo id, and the email to label the rows with.</summary>
public sealed record FeedPerson(long MarketoId, string? Email);

/// <summary>What a feed request asks for.</summary>
public sealed record FeedRequest
{
    public required IReadOnlyList<FeedPerson> People { get; init; }

    /// <summary>From when; null: the last 90 days (Marketo's retention of web visits and sends).</summary>
    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary>Null: <see cref="FeedCategories.Default"/> (unless <see cref="TypeNames"/> is given: then those types alone).</summary>
    public IReadOnlyList<ActivityCategory>? Categories { get; init; }

    /// <summary>Activity types by name (as Get Activity Types names them; any case), added to the categories.</summary>
    public IReadOnlyList<string>? TypeNames { get; init; }

    /// <summary>At most this many activities per person, the newest.</summary>
    public int? First { get; init; }

    /// <summary>Read every window from Marketo, whatever the cache holds (and keep what is read in the cache).</summary>
    public bool NoCache { get; init; }
}

/// <summary>
/// One activity of one person, flat: the row of Marketo's log with the attributes that matter for its category
/// lifted into properties (the rest stay in <see cref="Attributes"/>).
/// </summary>
public sealed record PersonActivity
{
    public required long MarketoId { get; init; }
    public string? Email { get; init; }

    /// <summary>Marketo's <c>marketoGUID</c>: the activity's key.</summary>
    public required string ActivityId { get; init; }

    public required DateTimeOffset Date { get; init; }
    public required ActivityCategory Category { get; init; }
    public required int TypeId { get; init; }
    public required string Type { get; init; }

    /// <summary>The primary attribute's value (the email, page, form, link, moment description or subject).</summary>
    public string? Primary { get; init; }

    public long? PrimaryId { get; init; }
    public string? Subject { get; init; }
    public long? MailingId { get; init; }
    public string? Link { get; init; }
    public string? PageUrl { get; init; }

    /// <summary>A campaign's name (the sales campaign activities carry one); null when the row names none.</summary>
    public string? Campaign { get; init; }

    /// <summary>The Campaign Run ID an email row carries: the run of the smart campaign that sent it (an id, not a name).</summary>
    public long? CampaignRunId { get; init; }
    public string? InterestingMomentType { get; init; }
    public string? Description { get; init; }
    public string? Source { get; init; }
    public string? Status { get; init; }

    /// <summary>The activity id SalesSync gave an activity it logged (links to Get-SalesActivity); null for the rest.</summary>
    public string? SalesActivityId { get; init; }

    /// <summary>Every attribute the row carries, by name, in Marketo's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Attributes { get; init; } = [];

    /// <summary>Reads one activities.json row; null when it has no key or date (nothing to show or de-duplicate by).</summary>
    internal static PersonActivity? Parse(JsonElement row, FeedTypeMap types)
    {
        var guid = MarketoResponse.String(row, "marketoGUID") ?? MarketoResponse.String(row, "id");
        if (string.IsNullOrEmpty(guid)
            || !long.TryParse(MarketoResponse.String(row, "leadId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var leadId)
            || !DateTimeOffset.TryParse(MarketoResponse.String(row, "activityDate"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            || !int.TryParse(MarketoResponse.String(row, "activityTypeId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var typeId))
            return null;
        var attributes = new List<KeyValuePair<string, string>>();
        if (row.TryGetProperty("attributes", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var a in list.EnumerateArray())
                if (MarketoResponse.String(a, "name") is { } name && MarketoResponse.String(a, "value") is { } value)
                    attributes.Add(new(name, value));
        string? Attr(string name) => attributes.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
        var type = types.Find(typeId);
        var category = type?.Category ?? ActivityCategory.Other;
        var primary = MarketoResponse.String(row, "primaryAttributeValue");
        var primaryId = long.TryParse(MarketoResponse.String(row, "primaryAttributeValueId"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : (long?)null;
        var activity = new PersonActivity
        {
            MarketoId = leadId,
            ActivityId = guid,
            Date = date.ToUniversalTime(),
            Category = category,
            TypeId = typeId,
            Type = type?.Name ?? typeId.ToString(CultureInfo.InvariantCulture),
            Primary = primary,
            PrimaryId = primaryId,
            Source = Attr("Source"),
            Attributes = attributes,
        };
        return category switch
        {
            // Marketo's email rows carry the email's name (program.email), not its subject line.
            ActivityCategory.Email => activity with
            {
                Subject = primary,
                MailingId = long.TryParse(Attr("Mailing ID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var m) ? m : primaryId,
                Link = Attr("Link"),
                CampaignRunId = long.TryParse(Attr("Campaign Run ID"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var run) ? run : null,
                Description = Attr("Details"),
            },
            ActivityCategory.Web => activity with
            {
                PageUrl = typeId == 1 ? primary : Attr("Referrer URL"),
                Link = typeId == 3 ? primary : null,
                Subject = typeId == 2 ? primary : null,
            },
            ActivityCategory.InterestingMoment => activity with { InterestingMomentType = Attr("Type"), Description = primary },
            ActivityCategory.SalesEmail or ActivityCategory.SalesCall or ActivityCategory.SalesCampaign => activity with
            {
                Subject = Attr(SalesActivityCatalog.Subject.DisplayName) ?? Attr("Email Subject") ?? (category == ActivityCategory.SalesEmail ? primary : null),
                Link = Attr(SalesActivityCatalog.Link.DisplayName),
                Campaign = Attr(SalesActivityCatalog.CampaignName.DisplayName) ?? (category == ActivityCategory.SalesCampaign ? primary : null),
                Status = Attr(SalesActivityCatalog.CallStatus.DisplayName) ?? Attr(SalesActivityCatalog.Action.DisplayName),
                Description = Attr(SalesActivityCatalog.CallOutcome.DisplayName) ?? Attr("Details"),
                SalesActivityId = Attr(SalesActivityCatalog.ActivityId.DisplayName) ?? Attr(SalesActivityCatalog.ActivityIdAttribute),
            },
            ActivityCategory.CrmTask => activity with { Subject = Attr("Subject") ?? primary, Status = Attr("Status"), Description = Attr("Description") },
            _ => activity,
        };
    }
}

/// <summary>One person's activity in one ISO week (Monday to Sunday in the time zone asked for): counts per category, as the grid's weekly bar shows them.</summary>
public sealed record PersonActivityWeek
{
    public required long MarketoId { get; init; }
    public string? Email { get; init; }

    /// <summary>The ISO week, "2026-W49".</summary>
    public required string Week { get; init; }

    /// <summary>The week's Monday, in the time zone the weeks were cut in.</summary>
    public required DateOnly WeekStart { get; init; }

    public int EmailCount { get; init; }
    public int WebCount { get; init; }
    public int InterestingMomentCount { get; init; }
    public int SalesEmailCount { get; init; }
    public int SalesCallCount { get; init; }
    public int SalesCampaignCount { get; init; }
    public int CrmTaskCount { get; init; }
    public int OtherCount { get; init; }
    public int Total { get; init; }

    /// <summary>One row per person per ISO week that has activity, oldest week first, from a person's rows; weeks run Monday 00:00 to Sunday 24:00 in <paramref name="zone"/>.</summary>
    public static IEnumerable<PersonActivityWeek> Summarize(long marketoId, string? email, IEnumerable<PersonActivity> rows, TimeZoneInfo zone) =>
        rows.GroupBy(r => IsoWeekStart(r.Date, zone)).OrderBy(g => g.Key).Select(g =>
        {
            int Count(ActivityCategory c) => g.Count(r => r.Category == c);
            return new PersonActivityWeek
            {
                MarketoId = marketoId,
                Email = email,
                WeekStart = g.Key,
                Week = string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(g.Key.ToDateTime(TimeOnly.MinValue))}-W{ISOWeek.GetWeekOfYear(g.Key.ToDateTime(TimeOnly.MinValue)):00}"),
                EmailCount = Count(ActivityCategory.Email),
                WebCount = Count(ActivityCategory.Web),
                InterestingMomentCount = Count(ActivityCategory.InterestingMoment),
                SalesEmailCount = Count(ActivityCategory.SalesEmail),
                SalesCallCount = Count(ActivityCategory.SalesCall),
                SalesCampaignCount = Count(ActivityCategory.SalesCampaign),
                CrmTaskCount = Count(ActivityCategory.CrmTask),
                OtherCount = Count(ActivityCategory.Other),
                Total = g.Count(),
            };
        });

    /// <summary>The Monday of the ISO week a time falls in, by the calendar of <paramref name="zone"/>.</summary>
    public static DateOnly IsoWeekStart(DateTimeOffset at, TimeZoneInfo zone)
    {
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        return day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
    }
}
