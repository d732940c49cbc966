using System.Management.Automation;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>The kinds of Marketo list Get-MarketoList reads.</summary>
public enum MarketoListType
{
    Static,
    Smart,
}

/// <summary>
/// Lists Marketo's static lists (Lead Database lists.json) and smart lists (Asset API smartLists.json), so an admin
/// can pick Start-SalesSync's -StaticListId or -SmartListId without leaving PowerShell. One call per page of lists
/// (300 static, 200 smart), none per list; names filtered here with PowerShell wildcards.
/// </summary>
[Cmdlet(VerbsCommon.Get, "MarketoList", DefaultParameterSetName = NameSet)]
[OutputType(typeof(MarketoList))]
public sealed class GetMarketoListCommand : SalesSyncConnectedCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";

    /// <summary>Static, Smart, or both (the default).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public MarketoListType[] Type { get; set; } = [MarketoListType.Static, MarketoListType.Smart];

    /// <summary>List names or patterns (case-insensitive).</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>List ids: each is looked up in each kind asked for.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateRange(1, long.MaxValue)]
    public long[] Id { get; set; } = [];

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => new WildcardPattern(n.Trim(), WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToList();
        if (patterns is not null)
        {
            // WildcardPattern checks its syntax on first use: an unclosed [ is a bad parameter, said before any call.
            foreach (var (pattern, text) in patterns.Zip(Name!))
            {
                try { pattern.IsMatch(""); }
                catch (WildcardPatternException e)
                {
                    ThrowTerminatingError(new ErrorRecord(e, "InvalidWildcardPattern", ErrorCategory.InvalidArgument, text)
                    {
                        ErrorDetails = new ErrorDetails($"-Name '{text}' is not a valid wildcard pattern: a [ has no closing ]. Escape a literal bracket with a backtick (`[).")
                        { RecommendedAction = "Correct the pattern and run the command again." },
                    });
                }
            }
        }
        var query = new MarketoListQuery(Type.Contains(MarketoListType.Static), Type.Contains(MarketoListType.Smart), ParameterSetName == IdSet ? Id : null);
        var found = new HashSet<long>();
        var foundNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            RunEngineStream(ct => Session.GetMarketoListsAsync(query, ct), list =>
            {
                if (patterns is not null && !patterns.Any(p => p.IsMatch(list.Name ?? ""))) return null;
                found.Add(list.Id);
                foundNames.Add(list.Name ?? "");
                return MarketoList.From(list);
            });
        }
        catch (SalesSyncApiException e)
        {
            var (id, category) = ApiFailureIdentity(e);
            ThrowTerminatingError(new ErrorRecord(e, id, category, Session.MarketoUri.Authority)
            {
                ErrorDetails = new ErrorDetails($"Get-MarketoList could not read Marketo's lists: {e.Message}")
                {
                    RecommendedAction = e.Kind == ApiFailureKind.Unauthorized
                        ? "Give the API user's role the Read-Only Assets permission (smart lists) and Read-Only Lead (static lists), or ask for one -Type only."
                        : "Run it again once Marketo answers.",
                },
            });
        }
        var kinds = string.Join(" or ", Type.Distinct().Select(t => t.ToString().ToLowerInvariant()));
        if (ParameterSetName != IdSet)
        {
            // A name without wildcards that matches no list is an error, as Get-Process -Name is; a pattern is a filter.
            foreach (var name in (Name ?? []).Select(n => n.Trim()).Where(n => !WildcardPattern.ContainsWildcardCharacters(n) && !foundNames.Contains(n)).Distinct(StringComparer.OrdinalIgnoreCase))
                WriteError(new ErrorRecord(new ItemNotFoundException($"Marketo has no {kinds} list named '{name}'."), "MarketoListNotFound", ErrorCategory.ObjectNotFound, name)
                {
                    ErrorDetails = new ErrorDetails($"Marketo has no {kinds} list named '{name}'.")
                    { RecommendedAction = "Run Get-MarketoList without -Name to see the lists, or use a wildcard ('EMEA*')." },
                });
            return;
        }
        foreach (var missing in Id.Distinct().Where(i => !found.Contains(i)))
            WriteError(new ErrorRecord(new ItemNotFoundException($"Marketo has no {kinds} list with id {missing}."), "MarketoListNotFound", ErrorCategory.ObjectNotFound, missing)
            {
                ErrorDetails = new ErrorDetails($"Marketo has no {kinds} list with id {missing}.")
                { RecommendedAction = "Run Get-MarketoList without -Id to see the lists and their ids." },
            });
    }
}
