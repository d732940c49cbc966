using System.Management.Automation;
using SalesSync.Core.Activities;
using SalesSync.Core.Store;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>Where an activity stands, for filtering the log.</summary>
public enum SalesActivityState
{
    Pending,
    Held,
    Sending,
    Delivered,
    Failed,
    NotRequired,

    /// <summary>Refused by the unsubscribe guard: kept on record with the reason, never delivered.</summary>
    Refused,
}

/// <summary>The destinations an activity goes to.</summary>
public enum SalesActivityDestination
{
    Marketo,
    Salesforce,

    /// <summary>Either one (with -State: in that state at Marketo or at Salesforce).</summary>
    Any,
}

/// <summary>Reads the activity log: by person, kind, delivery state and time, oldest first, page by page.</summary>
[Cmdlet(VerbsCommon.Get, "SalesActivity", SupportsPaging = true)]
[OutputType(typeof(SalesActivity))]
public sealed class GetSalesActivityCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Only these people (also from Get-SyncedPerson by property name).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MarketoIdList]
    public long[]? MarketoId { get; set; }

    /// <summary>Only these kinds, read as Send-SalesActivity reads -Kind ('Call Received', 'email-sent'); tab-completes.</summary>
    [Parameter]
    [ValidateSalesActivityKind]
    [ArgumentCompleter(typeof(SalesActivityKindCompleter))]
    public string[]? Kind { get; set; }

    /// <summary>Only activities in this state at -Destination (without -Destination: at either destination).</summary>
    [Parameter]
    public SalesActivityState? State { get; set; }

    /// <summary>Where -State applies; not given: Any (a Salesforce failure is never hidden behind a Marketo delivery).</summary>
    [Parameter]
    public SalesActivityDestination? Destination { get; set; }

    [Parameter]
    public DateTime? After { get; set; }

    [Parameter]
    public DateTime? Before { get; set; }

    [Parameter]
    public string[]? ActivityId { get; set; }

    private ulong _skipped, _written;

    protected override void BeginProcessing()
    {
        // An empty window is a mistake, not "nothing happened": say which way round they go.
        if (After is { } after && Before is { } before && before <= after)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-Before ({before:u}) is not later than -After ({after:u}): -After is the start of the window and -Before its end; swap them."),
                "BeforeNotAfterAfter", ErrorCategory.InvalidArgument, before)
            {
                ErrorDetails = new ErrorDetails($"-Before ({before:u}) is not later than -After ({after:u}).") { RecommendedAction = "Give -After the earlier time and -Before the later one." },
            });
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var state = State is { } s ? (DeliveryState?)Enum.Parse<DeliveryState>(s.ToString()) : null;
        var destination = Destination ?? SalesActivityDestination.Any;
        var activityIds = ActivityId?.Select(id => id.Trim()).Where(id => id.Length > 0).ToList();
        var query = new ActivityQuery
        {
            MarketoIds = MarketoId,
            Kinds = Kind?.Select(k => SalesActivityKinds.TryParse(k, out var kind) ? SalesActivityKinds.ToEngine(kind) : throw new PSArgumentException(k)).ToList(),
            MarketoState = destination == SalesActivityDestination.Marketo ? state : null,
            SalesforceState = destination == SalesActivityDestination.Salesforce ? state : null,
            AnyState = destination == SalesActivityDestination.Any ? state : null,
            OccurredAfter = LocalTime.ToOffset(After),
            OccurredBefore = LocalTime.ToOffset(Before),
            ActivityIds = activityIds,
        };
        if (PagingParameters.IncludeTotalCount)
            WriteObject(PagingParameters.NewTotalCount((ulong)Session.GetActivities(query).LongCount(), 1.0));
        // Ids match as the database matches them (its collation ignores case): 'a-1' finds A-1, and is then not "not found".
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var activity in Session.GetActivities(query))
        {
            found.Add(activity.ActivityId);
            if (_skipped < PagingParameters.Skip) { _skipped++; continue; }
            if (_written >= PagingParameters.First) break;
            _written++;
            WriteObject(SalesActivity.From(activity));
        }
        // An exact id that matches nothing is an error per id, as Get-SyncedPerson -MarketoId is; only when no other
        // filter or paging could be what hid it.
        if (activityIds is { Count: > 0 } && MarketoId is null && Kind is null && State is null && After is null && Before is null
            && PagingParameters.Skip == 0 && PagingParameters.First == ulong.MaxValue)
            foreach (var id in activityIds.Where(id => !found.Contains(id)).Distinct(StringComparer.OrdinalIgnoreCase))
                WriteError(new ErrorRecord(new ItemNotFoundException($"No activity has the ActivityId '{id}'."), "SalesActivityNotFound", ErrorCategory.ObjectNotFound, id)
                {
                    ErrorDetails = new ErrorDetails($"No activity has the ActivityId '{id}'.") { RecommendedAction = "Check the id (ids SalesSync makes start with SS-); Get-SalesActivity -MarketoId <id> lists a person's activities." },
                });
    }
}
