using System.Management.Automation;
using SalesSync.Core.People;
using SalesSync.Core.Unsubscribes;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Reads synced people from the local database, page by page. Every filter given must hold (Marketo id, email,
/// Salesforce id, company, owner id, owner name, duplicates); a filter with several values holds when any does.
/// Text filters take PowerShell's wildcards (*, ?, [a-c], ` escapes) and ignore case.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SyncedPerson", SupportsPaging = true)]
[OutputType(typeof(SyncedPerson))]
public sealed class GetSyncedPersonCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Marketo ids (also from the pipeline by property name).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [EmptyAsNull]
    [MarketoIdList]
    public long[]? MarketoId { get; set; }

    /// <summary>Emails or patterns; from the pipeline by property name (Email, Email Address, EmailAddress), or piped strings.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Email Address", "EmailAddress")]
    [SupportsWildcards]
    [AllowNull, AllowEmptyString, AllowEmptyCollection]
    public string?[]? Email { get; set; }

    /// <summary>
    /// Whatever is piped: a string is an email; other objects bind -MarketoId and -Email by property name. Without it a
    /// piped object whose MarketoId needs a conversion (an int, a CSV string) would be turned into text and bound as an
    /// email, since PowerShell tries pipeline-value binding with conversion before by-name binding with conversion.
    /// </summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    /// <summary>A lead, contact, account, opportunity or owner id (15 or 18 characters).</summary>
    [Parameter]
    public string? SalesforceId { get; set; }

    /// <summary>Companies or patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Company { get; set; }

    /// <summary>Salesforce owner ids (15 or 18 characters) or patterns.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? SalesOwnerId { get; set; }

    /// <summary>Owners by name or email (patterns), as the last sync with Salesforce read them.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? SalesOwner { get; set; }

    /// <summary>Only people who share their email with another synced person.</summary>
    [Parameter]
    public SwitchParameter Duplicate { get; set; }

    private ulong _skipLeft;
    private ulong _firstLeft;
    private ulong _total;
    private bool _pipelineInput;
    private bool _keyOnCommandLine;
    private IReadOnlyList<string>? _companies;
    private IReadOnlyList<string>? _ownerIds;
    private IReadOnlyList<string>? _owners;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _skipLeft = PagingParameters.Skip;
        _firstLeft = PagingParameters.First;
        _pipelineInput = MyInvocation.ExpectingInput;
        // Parameters given on the command line are checked once, here: a bad one stops the command before anything
        // is read. Values bound from the pipeline are checked per input in ProcessRecord.
        _companies = Company is null ? null : Company.Select(c => CheckedPattern(c, nameof(Company), terminating: true)!).ToList();
        _owners = SalesOwner is null ? null : SalesOwner.Select(o => CheckedPattern(o.Trim(), nameof(SalesOwner), terminating: true)!).ToList();
        _ownerIds = SalesOwnerId?.Select(CheckedOwnerId).ToList();
        if (SalesforceId is { } given)
        {
            if (!SalesforceIds.IsId(given.Trim()))
                Refuse(new ArgumentException($"'{given}' is not a Salesforce id: give the 15- or 18-character id (letters and digits) of a lead, contact, account, opportunity or user."),
                    "InvalidSalesforceId", given, terminating: true);
            SalesforceId = given.Trim();
        }
        _keyOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(Email)) || MyInvocation.BoundParameters.ContainsKey(nameof(MarketoId));
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Email))) CheckedEmails(Email, terminating: true);
    }

    protected override void ProcessRecord()
    {
        // An input whose email and Marketo id are both empty (a CSV row with blank cells) names nobody: without this
        // it would select everyone.
        // Parameters bound from the pipeline are reset by PowerShell before the next input; a local list is not kept either.
        var given = InputObject?.BaseObject is string piped ? [.. Email ?? [], piped] : Email;
        if (_pipelineInput && !_keyOnCommandLine && given is not { Length: > 0 } && MarketoId is not { Length: > 0 })
        {
            Refuse(new ArgumentException("The input has no email and no Marketo id: pipe email strings, or objects with an Email (or Email Address) or a MarketoId property; for Marketo ids, -MarketoId takes them directly."),
                "NoEmail", InputObject?.BaseObject, terminating: false); // the name Test-MarketoUnsubscribe gives the same input
            return;
        }
        var emails = CheckedEmails(given, terminating: false);
        if (emails is null) return; // an input's email was refused (its error is written); the next input goes on
        var query = new PersonQuery
        {
            MarketoIds = MarketoId,
            Emails = emails.Count == 0 ? null : emails.Select(e => e.Query).ToList(),
            SalesforceId = SalesforceId,
            Companies = _companies,
            SalesOwnerIds = _ownerIds,
            SalesOwners = _owners,
            DuplicatesOnly = Duplicate,
        };
        if (PagingParameters.IncludeTotalCount)
        {
            _total += (ulong)Session.GetPeople(query).LongCount();
            if (!_pipelineInput) WriteObject(PagingParameters.NewTotalCount(_total, 1.0));
        }
        if (_firstLeft == 0) return;

        // Only exact lookups remember what they found (at most the ids and emails asked for), to name the ones not
        // found; everything else keeps nothing, so memory stays flat over the whole database. Pages are read one at a
        // time and no cursor stays open while objects go down the pipeline, so a later command may write to the database.
        var exactLookup = _companies is null && _ownerIds is null && _owners is null && SalesforceId is null && !Duplicate
                          && (MarketoId is { Length: > 0 } || (emails.Count > 0 && emails.All(e => e.Exact is not null)));
        var foundIds = new HashSet<long>();
        var foundEmails = new HashSet<string>(StringComparer.Ordinal);
        var complete = true;
        // -SalesforceId alone is an exact lookup too (new-admin walk P11): finding nobody is said, not silent.
        var salesforceLookup = SalesforceId is not null && _companies is null && _ownerIds is null && _owners is null && !Duplicate
                               && MarketoId is not { Length: > 0 } && emails.Count == 0;
        var anyFound = false;
        foreach (var (person, owner) in Session.GetPeopleWithOwners(query))
        {
            anyFound = true;
            if (exactLookup)
            {
                foundIds.Add(person.MarketoId);
                if (person.Email is { } found) foundEmails.Add(EmailAddress.Key(found));
            }
            if (_skipLeft > 0) { _skipLeft--; continue; }
            if (_firstLeft == 0) { complete = false; break; }
            _firstLeft--;
            WriteObject(SyncedPerson.From(person, owner));
        }
        if (salesforceLookup && !anyFound)
            WriteError(NotFound($"No synced person is linked to the Salesforce id {SalesforceId}.", SalesforceId!));
        if (!exactLookup || !complete) return;
        // An exact lookup that finds nobody is an error per item, as Get-Process -Id is; patterns and filters are not.
        if (MarketoId is { Length: > 0 })
        {
            var withEmail = emails.Count > 0 ? $" with the email {string.Join(" or ", emails.Select(e => e.Exact))}" : "";
            foreach (var id in MarketoId.Distinct().Where(id => !foundIds.Contains(id)))
                WriteError(NotFound($"No synced person has Marketo id {id}{withEmail}.", id));
        }
        else
        {
            foreach (var email in emails.Where(e => !foundEmails.Contains(EmailAddress.Key(e.Exact!))).DistinctBy(e => EmailAddress.Key(e.Exact!)))
                WriteError(NotFound($"No synced person has the email '{email.Exact}'.", email.Given));
        }
    }

    protected override void EndProcessing()
    {
        // With pipeline input the total is known only once every input was read.
        if (PagingParameters.IncludeTotalCount && _pipelineInput) WriteObject(PagingParameters.NewTotalCount(_total, 1.0));
    }

    private static ErrorRecord NotFound(string message, object target) =>
        new(new ItemNotFoundException(message), "SyncedPersonNotFound", ErrorCategory.ObjectNotFound, target)
        {
            ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = "Check the value (Get-SyncedPerson -Email '*part*' searches), or run Start-SalesSync if the person was added in Marketo since the last sync.",
            },
        };

    /// <summary>An email as given, what the query asks (trimmed; an exact address escaped so it matches only itself), and the exact address if it is one.</summary>
    private sealed record EmailValue(string? Given, string Query, string? Exact);

    /// <summary>
    /// The -Email values, trimmed and checked: an exact value must be an email address (the unsubscribe check's rule),
    /// a pattern must be a valid wildcard pattern. Null when one is refused: a terminating error on the command line,
    /// else a per-input error.
    /// </summary>
    private List<EmailValue>? CheckedEmails(string?[]? list, bool terminating)
    {
        var values = new List<EmailValue>();
        if (list is null && !terminating) return values;
        if (list is null || list.Length == 0)
        {
            Refuse(new ArgumentException("The email is empty. Give an address (ana@example.com) or a pattern (*@example.com), or leave -Email out."),
                "InvalidEmail", list, terminating);
            return null;
        }
        foreach (var given in list)
        {
            var text = given is null ? null : EmailAddress.Clean(given);
            if (text is { Length: > 0 } && TextPattern.HasWildcard(text) && !text.Any(char.IsControl))
            {
                if (CheckedPattern(text, nameof(Email), terminating) is null) return null;
                values.Add(new EmailValue(given, text, null));
                continue;
            }
            if (!terminating && string.IsNullOrWhiteSpace(given))
            {
                // A CSV row with a blank email cell: the name Test-MarketoUnsubscribe gives it, the row as the target.
                Refuse(new ArgumentException("The input's email is empty: fill the Email (or Email Address) column, or give the row a MarketoId."),
                    "NoEmail", InputObject?.BaseObject ?? given, terminating);
                return null;
            }
            if (EmailAddress.Problem(given) is { } problem)
            {
                var hint = given is not null && long.TryParse(given.Trim(), out _) ? " To look up Marketo ids, use -MarketoId, or pipe objects with a MarketoId property." : "";
                Refuse(new ArgumentException($"{problem} Give an address (ana@example.com) or a pattern (*@example.com).{hint}"), "InvalidEmail", given, terminating);
                return null;
            }
            values.Add(new EmailValue(given, TextPattern.EscapeText(text!), text));
        }
        return values;
    }

    /// <summary>A wildcard pattern, or null after refusing it (an unclosed or backwards [ ]).</summary>
    private string? CheckedPattern(string text, string parameter, bool terminating)
    {
        try
        {
            TextPattern.Parse(text, ignoreCase: true);
            return text;
        }
        catch (TextPatternException e)
        {
            Refuse(new ArgumentException($"-{parameter}: {e.Message}", e), "InvalidWildcardPattern", text, terminating);
            return null;
        }
    }

    /// <summary>An owner id: 15 or 18 letters and digits (the 15-character form finds the 18-character one), or a pattern.</summary>
    private string CheckedOwnerId(string given)
    {
        var text = given.Trim();
        if (TextPattern.HasWildcard(text)) return CheckedPattern(text, nameof(SalesOwnerId), terminating: true)!;
        if (!SalesforceIds.IsId(text))
            Refuse(new ArgumentException($"'{given}' is not a Salesforce user id: give the 15- or 18-character id (letters and digits, 005...), a pattern such as 0055g*, or the owner's name or email with -SalesOwner."),
                "InvalidSalesOwnerId", given, terminating: true);
        return text;
    }

    private void Refuse(Exception e, string errorId, object? target, bool terminating)
    {
        var record = new ErrorRecord(e, errorId, ErrorCategory.InvalidArgument, target)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Correct the value and run the command again." },
        };
        if (terminating) ThrowTerminatingError(record);
        WriteError(record);
    }
}
