using System.Management.Automation;
using SalesSync.Core.People;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Reads synced people from the local database, page by page: by Marketo id, email, any Salesforce id,
/// company or owner (wildcards where text), only duplicates, or everyone.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SyncedPerson", DefaultParameterSetName = AllSet, SupportsPaging = true)]
[OutputType(typeof(SyncedPerson))]
public sealed class GetSyncedPersonCommand : SalesSyncConnectedCmdlet
{
    private const string AllSet = "All";
    private const string IdSet = "MarketoId";
    private const string EmailSet = "Email";
    private const string SalesforceSet = "SalesforceId";
    private const string CompanySet = "Company";
    private const string OwnerSet = "SalesOwnerId";

    /// <summary>Marketo ids (also from the pipeline by property name).</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public long[] MarketoId { get; set; } = [];

    /// <summary>Email, wildcards allowed, case-insensitive.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EmailSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Email { get; set; } = "";

    /// <summary>A lead, contact, account, opportunity or owner id (15 or 18 characters).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SalesforceSet)]
    [ValidatePattern("^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
    public string SalesforceId { get; set; } = "";

    /// <summary>Company, wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = CompanySet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Company { get; set; } = "";

    /// <summary>The Salesforce owner id, wildcards allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = OwnerSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string SalesOwnerId { get; set; } = "";

    /// <summary>Only people who share their email with another synced person.</summary>
    [Parameter]
    public SwitchParameter Duplicate { get; set; }

    protected override void ProcessRecord()
    {
        var query = new PersonQuery
        {
            MarketoIds = ParameterSetName == IdSet ? MarketoId : null,
            Email = ParameterSetName == EmailSet ? Email : null,
            SalesforceId = ParameterSetName == SalesforceSet ? SalesforceId : null,
            Company = ParameterSetName == CompanySet ? Company : null,
            SalesOwnerId = ParameterSetName == OwnerSet ? SalesOwnerId : null,
            DuplicatesOnly = Duplicate,
            Skip = (long)Math.Min(PagingParameters.Skip, long.MaxValue),
            First = PagingParameters.First == ulong.MaxValue ? null : (long)Math.Min(PagingParameters.First, long.MaxValue),
        };
        if (PagingParameters.IncludeTotalCount)
            WriteObject(PagingParameters.NewTotalCount((ulong)Session.GetPeople(query with { Skip = 0, First = null }).LongCount(), 1.0));
        // Pages are read one at a time and no cursor stays open while objects go down the pipeline,
        // so a later command in the same pipeline may write to the database.
        // Only -MarketoId remembers what it wrote (at most the ids asked for), to name the ones not found; -Email needs
        // only whether anyone was; the other sets keep nothing, so memory stays flat over the whole database.
        var foundIds = ParameterSetName == IdSet ? new HashSet<long>() : null;
        var anyFound = false;
        foreach (var person in Session.GetPeople(query))
        {
            foundIds?.Add(person.MarketoId);
            anyFound = true;
            WriteObject(SyncedPerson.From(person));
        }
        // An exact lookup that finds nobody is an error per item, as Get-Process -Id is; patterns and filters are not.
        if (foundIds is not null && !Duplicate && query.Skip == 0 && query.First is null)
            foreach (var id in MarketoId.Where(id => !foundIds.Contains(id)))
                WriteError(new ErrorRecord(new ItemNotFoundException($"No synced person has Marketo id {id}."), "SyncedPersonNotFound", ErrorCategory.ObjectNotFound, id));
        if (ParameterSetName == EmailSet && !WildcardPattern.ContainsWildcardCharacters(Email) && !Duplicate && !anyFound && query.Skip == 0)
            WriteError(new ErrorRecord(new ItemNotFoundException($"No synced person has the email '{Email}'."), "SyncedPersonNotFound", ErrorCategory.ObjectNotFound, Email));
    }
}
