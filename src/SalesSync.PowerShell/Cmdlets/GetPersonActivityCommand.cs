using System.Management.Automation;
using SalesSync.Core.Feed;
using SalesSync.Core.Http;
using SalesSync.Core.People;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>The categories -Category takes: the feed's, and All.</summary>
public enum PersonActivityCategory
{
    Email,
    Web,
    InterestingMoment,
    SalesEmail,
    SalesCall,
    SalesCampaign,
    CrmTask,
    All,
}

/// <summary>What -Summary gives instead of the activities.</summary>
public enum PersonActivitySummary
{
    Weekly,
}

/// <summary>
/// What a person (or every contact of an account) did lately, fresh from Marketo's activity log: emails, web visits,
/// interesting moments, sales emails, calls and campaigns, newest first per person; or one row per person per ISO week
/// with counts per category. The same question within minutes is answered from the instance's cache at no call
/// (-NoCache reads afresh).
/// </summary>
[Cmdlet(VerbsCommon.Get, "PersonActivity", DefaultParameterSetName = PersonSet)]
[OutputType(typeof(PersonActivity), typeof(PersonActivityWeek))]
public sealed class GetPersonActivityCommand : SalesSyncConnectedCmdlet
{
    private const string PersonSet = "MarketoId";
    private const string EmailSet = "Email";
    private const string AccountSet = "Account";

    /// <summary>Marketo ids (also from Get-SyncedPerson by property name, and from the Id column of Marketo's own exports).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PersonSet)]
    [Alias("Id")]
    [MarketoIdList]
    public long[] MarketoId { get; set; } = [];

    /// <summary>Emails of synced people (every synced record with the email); also by property name (Import-Csv rows with an Email column, or
    /// 'Email Address' and EmailAddress, the column names of Marketo's own list exports, as Get-SyncedPerson takes them).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = EmailSet)]
    [Alias("Email Address", "EmailAddress")]
    [AllowEmptyString]
    public string[] Email { get; set; } = [];

    /// <summary>A Salesforce account: every synced contact on it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccountSet)]
    [AllowEmptyString]
    public string AccountId { get; set; } = "";

    [Parameter]
    [NotABareNumber("Since")]
    public DateTime? Since { get; set; }

    [Parameter]
    [NotABareNumber("Until")]
    public DateTime? Until { get; set; }

    [Parameter]
    public PersonActivityCategory[]? Category { get; set; }

    /// <summary>Activity types by name, as Marketo names them; tab-completes the common ones.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ActivityTypeNameCompleter))]
    public string[]? ActivityType { get; set; }

    /// <summary>At most this many activities per person, the newest.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    [Parameter]
    public PersonActivitySummary? Summary { get; set; }

    /// <summary>Read Marketo afresh whatever the cache holds (what is read refreshes the cache).</summary>
    [Parameter]
    public SwitchParameter NoCache { get; set; }

    private readonly List<FeedPerson> _people = [];

    protected override void BeginProcessing()
    {
        // Compared as points in time: a UTC-kind DateTime and a local one are the same instant in any time zone.
        var sinceAt = LocalTime.ToOffset(Since);
        var untilAt = LocalTime.ToOffset(Until);
        if (untilAt is { } until && until <= (sinceAt ?? DateTimeOffset.Now.AddDays(-90)))
        {
            var start = sinceAt is { } s ? $"-Since ({s.UtcDateTime:u})" : $"the default -Since, 90 days ago ({DateTimeOffset.UtcNow.AddDays(-90):u})";
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Until ({until.UtcDateTime:u}) is not later than {start}."), "UntilNotAfterSince", ErrorCategory.InvalidArgument, Until)
            {
                ErrorDetails = new ErrorDetails($"-Until ({until.UtcDateTime:u}) is not later than {start}: -Since is the start of the window and -Until its end.")
                { RecommendedAction = "Give -Since the earlier time and -Until the later one." },
            });
        }
        // A weekly summary of only the newest rows of each person would count part of the weeks as if it were all of them.
        if (Summary is not null && First is not null)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-First cannot be used with -Summary Weekly."), "FirstWithSummary", ErrorCategory.InvalidArgument, First)
            {
                ErrorDetails = new ErrorDetails("-First cannot be used with -Summary Weekly: the weekly counts are of every activity in the window, and the newest few would count only part of them.")
                { RecommendedAction = "Leave out -First, or narrow the window with -Since and -Until." },
            });
        if (sinceAt is { } future && future > DateTimeOffset.Now.AddMinutes(10))
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Since ({future.UtcDateTime:u}) is in the future."), "SinceInFuture", ErrorCategory.InvalidArgument, Since)
            {
                ErrorDetails = new ErrorDetails($"-Since ({future.UtcDateTime:u}) is in the future: nothing has happened after it yet.")
                { RecommendedAction = "Give a past time, such as (Get-Date).AddDays(-30); without -Since the last 90 days are read." },
            });
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PersonSet:
                foreach (var id in MarketoId) Add(id, null, null, id);
                break;
            case EmailSet:
                foreach (var email in Email) Add(null, email, null, email);
                break;
            default:
                Add(null, null, AccountId, AccountId);
                break;
        }
    }

    private void Add(long? id, string? email, string? account, object? given)
    {
        try
        {
            _people.AddRange(Session.FindFeedPeople(id, email, account));
        }
        catch (PersonLookupException e)
        {
            var (errorId, category, advice) = e.Reason switch
            {
                PersonLookupFailure.InvalidValue => (account is not null ? "InvalidAccountId" : email is not null ? "InvalidEmail" : "InvalidMarketoId", ErrorCategory.InvalidArgument,
                    "Give a Marketo id, the email of a synced person, or an 18- or 15-character Salesforce account id."),
                PersonLookupFailure.PersonNotSynced when account is not null => ("AccountHasNoSyncedContacts", ErrorCategory.ObjectNotFound,
                    "Check the account id (Get-SyncedPerson -SalesforceId <id> lists its people), or run Start-SalesSync with Salesforce."),
                PersonLookupFailure.PersonNotSynced => ("PersonNotSynced", ErrorCategory.ObjectNotFound, "Check the email, run Start-SalesSync, or give -MarketoId."),
                _ => ("PersonMissing", ErrorCategory.InvalidArgument, "Give -MarketoId, -Email or -AccountId, or pipe in Get-SyncedPerson."),
            };
            WriteError(new ErrorRecord(e, errorId, category, given)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = advice },
            });
        }
    }

    protected override void EndProcessing()
    {
        if (_people.Count == 0) return;
        var categories = Category is null ? null
            : Category.Contains(PersonActivityCategory.All) ? FeedCategories.All
            : Category.Select(c => Enum.Parse<ActivityCategory>(c.ToString())).ToList();
        var request = new FeedRequest
        {
            People = _people,
            Since = LocalTime.ToOffset(Since),
            Until = LocalTime.ToOffset(Until),
            Categories = categories,
            TypeNames = ActivityType?.Where(t => !string.IsNullOrWhiteSpace(t)).ToList() is { Count: > 0 } names ? names : null,
            First = First,
            NoCache = NoCache.IsPresent,
        };
        var feed = Session.ActivityFeed;
        try
        {
            if (Summary is PersonActivitySummary.Weekly)
                RunEngineStream(ct => feed.SummarizeWeeklyAsync(request, TimeZoneInfo.Local, ct), w => PersonActivityWeek.From(w));
            else
                RunEngineStream(ct => feed.ReadAsync(request, ct), a => PersonActivity.From(a));
        }
        catch (FeedException e)
        {
            var (errorId, category, advice) = e.Reason switch
            {
                FeedFailure.UnknownActivityType => ("UnknownActivityType", ErrorCategory.ObjectNotFound,
                    "Use the name Marketo gives the type (tab completion offers the common ones), or -Category."),
                FeedFailure.InvalidWindow => ("UntilNotAfterSince", ErrorCategory.InvalidArgument, "Give -Until a time later than -Since."),
                _ => ("InvalidFirst", ErrorCategory.InvalidArgument, "Give -First 1 or more."),
            };
            ThrowTerminatingError(new ErrorRecord(e, errorId, category, e.Value)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = advice },
            });
        }
        catch (SalesSyncApiException e)
        {
            var (id, category) = ApiFailureIdentity(e);
            ThrowTerminatingError(new ErrorRecord(e, id, category, Session.MarketoUri.Authority)
            {
                ErrorDetails = new ErrorDetails($"Get-PersonActivity could not read Marketo's activity log: {e.Message}")
                {
                    RecommendedAction = e.Kind == ApiFailureKind.Unauthorized
                        ? "Give the API user's role the Read-Only Activity permission."
                        : "Run it again once Marketo answers; what was read in the last minutes is answered from the cache.",
                },
            });
        }
    }
}

/// <summary>Tab completion for -ActivityType: the standard feed types and SalesSync's own (quoted: the names hold spaces).</summary>
public sealed class ActivityTypeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        FeedCategories.KnownTypeNames.Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult($"'{n}'", n, CompletionResultType.ParameterValue, n));
}
