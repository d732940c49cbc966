using System.Management.Automation;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Reads reminders: by id, person (also piped from Get-SyncedPerson), seller, status, due range (-Today, -Tomorrow,
/// -Overdue) and sync state, by due date then when made, page by page. Deleted reminders only with -IncludeDeleted.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SalesReminder", SupportsPaging = true)]
[OutputType(typeof(SalesReminder))]
public sealed class GetSalesReminderCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Ids typed or piped (plain strings, reminders, CSV rows); an empty or blank id is an error, never "no filter".</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ReminderIdTransformation]
    [ValidateNotNullOrEmpty]
    public string[]? ReminderId { get; set; }

    /// <summary>Only these people (also from Get-SyncedPerson by property name).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [MarketoIdList]
    public long[]? MarketoId { get; set; }

    /// <summary>Only the people with these emails (exact, any case; every synced person sharing an email).</summary>
    [Parameter]
    public string[]? Email { get; set; }

    [Parameter]
    public string[]? OwnerId { get; set; }

    /// <summary>Names only (a number or a comma list is refused), as Set-SalesReminder's -Status.</summary>
    [Parameter]
    [ValidateSet(nameof(ReminderStatus.Open), nameof(ReminderStatus.Complete))]
    public string? Status { get; set; }

    [Parameter]
    public DateTime? DueFrom { get; set; }

    [Parameter]
    public DateTime? DueTo { get; set; }

    [Parameter]
    public SwitchParameter Overdue { get; set; }

    [Parameter]
    public SwitchParameter Today { get; set; }

    [Parameter]
    public SwitchParameter Tomorrow { get; set; }

    [Parameter]
    [ValidateSet(nameof(ReminderSyncState.NotSynced), nameof(ReminderSyncState.Pending), nameof(ReminderSyncState.Sending), nameof(ReminderSyncState.Synced),
        nameof(ReminderSyncState.Failed), nameof(ReminderSyncState.Deleted))]
    public string[]? SyncState { get; set; }

    [Parameter]
    public SwitchParameter IncludeDeleted { get; set; }

    // Piped people and ids are gathered, then read in one query: one order across the whole pipeline.
    private readonly List<string> _ids = [];
    private readonly List<long> _people = [];
    private bool _idGiven;
    private IReadOnlyList<string>? _owners;

    protected override void BeginProcessing()
    {
        if ((Today || Tomorrow) && (DueFrom is not null || DueTo is not null))
            Refuse("-Today and -Tomorrow are due ranges of their own; give them, or -DueFrom and -DueTo, not both.", "DueRangeTwice", Today ? "Today" : "Tomorrow");
        if (DueFrom is { } from && DueTo is { } to && to.Date < from.Date)
            Refuse($"-DueTo ({to:yyyy-MM-dd}) is before -DueFrom ({from:yyyy-MM-dd}): -DueFrom is the first day of the range and -DueTo the last; swap them.", "DueToBeforeDueFrom", to);
        try
        {
            // Exact values, no wildcards: a User id in any case is read in its canonical 18-character form.
            _owners = OwnerId?.Select(ReminderBook.CheckOwner).Distinct(StringComparer.Ordinal).ToList();
        }
        catch (ReminderException e)
        {
            ThrowTerminatingError(SalesReminderInput.Error(e, OwnerId));
        }
        foreach (var email in Email ?? [])
            if (Core.Unsubscribes.EmailAddress.Problem(email) is { } problem)
                ThrowTerminatingError(SalesReminderInput.Error(new ReminderException(ReminderFailureReason.InvalidValue, $"-Email: {problem} Give whole addresses (no wildcards).") { Value = email }, email));
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        if (ReminderId is not null)
        {
            _idGiven = true;
            foreach (var id in ReminderId)
            {
                // A synced person piped in binds -MarketoId; its "id" here is only the marker of an object without a ReminderId.
                if (ReminderIdTransformationAttribute.IsNotAReminder(id, out var type))
                {
                    if (MarketoId is null) WriteError(SalesReminderInput.NotAReminder(MyInvocation.MyCommand.Name, type, id));
                    continue;
                }
                if (id.Trim().Length == 0) WriteError(SalesReminderInput.Error(new ReminderException(ReminderFailureReason.InvalidValue, "ReminderId is blank: give an id such as SR-ABCDEFGHIJKLMNOP (Get-SalesReminder lists them).") { Value = id }, id));
                else _ids.Add(id.Trim());
            }
        }
        if (MarketoId is not null) _people.AddRange(MarketoId);
    }

    protected override void EndProcessing()
    {
        // An empty pipeline (Get-SyncedPerson found nobody) selects nobody, never every reminder.
        if (MyInvocation.ExpectingInput && _ids.Count == 0 && _people.Count == 0) return;
        // Ids were given but none is usable (blank, or not reminders): select nothing, never every reminder.
        if (_idGiven && _ids.Count == 0 && _people.Count == 0) return;
        var people = _people.Count > 0 ? _people.Distinct().ToList() : null;
        if (people is not null)
        {
            // An unsynced Marketo id is an error, as an unknown -Email is: both name a person SalesSync does not have.
            var synced = Session.GetPeople(new PersonQuery { MarketoIds = people }).Select(p => p.MarketoId).ToHashSet();
            foreach (var missing in people.Where(m => !synced.Contains(m)))
                WriteError(SalesReminderInput.Error(new ReminderException(ReminderFailureReason.PersonNotSynced,
                    $"No synced sales person has the Marketo id {missing} (run Start-SalesSync, or check the id with Get-SyncedPerson).") { Value = missing }, missing));
            people = people.Where(synced.Contains).ToList();
            if (people.Count == 0) return;
        }
        if (Email is { Length: > 0 })
        {
            var byEmail = new HashSet<long>();
            foreach (var email in Email.Select(e => e.Trim()).Where(e => e.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var matches = Session.GetPeople(new PersonQuery { Email = email }).Select(p => p.MarketoId).ToList();
                if (matches.Count == 0)
                    WriteError(SalesReminderInput.Error(new ReminderException(ReminderFailureReason.PersonNotSynced,
                        $"No synced sales person has the email {email} (run Start-SalesSync, or check the address).") { Value = email }, email));
                byEmail.UnionWith(matches);
            }
            // Filters AND together: -Email narrows -MarketoId rather than adding to it.
            people = people is null ? [.. byEmail] : people.Where(byEmail.Contains).ToList();
            if (people.Count == 0) return;
        }
        var today = DateOnly.FromDateTime(DateTime.Now);
        var query = new ReminderQuery
        {
            ReminderIds = _ids.Count > 0 ? _ids.Distinct(StringComparer.OrdinalIgnoreCase).ToList() : null,
            MarketoIds = people,
            OwnerIds = _owners is { Count: > 0 } ? _owners : null,
            Status = Status is { } s ? Enum.Parse<ReminderStatus>(s, ignoreCase: true) : null,
            DueFrom = Today ? today : Tomorrow ? today.AddDays(1) : DueFrom is { } f ? DateOnly.FromDateTime(f) : null,
            DueTo = Tomorrow ? today.AddDays(1) : Today ? today : DueTo is { } t ? DateOnly.FromDateTime(t) : null,
            Overdue = Overdue,
            SyncStates = SyncState is { Length: > 0 } states ? states.Select(s => Enum.Parse<ReminderSyncState>(s, ignoreCase: true)).ToList() : null,
            IncludeDeleted = IncludeDeleted,
            Today = today,
        };
        var book = Session.Reminders;
        if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount((ulong)book.Query(query).LongCount(), 1.0));
        var found = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        ulong skipped = 0, written = 0;
        foreach (var reminder in book.Query(query))
        {
            found.Add(reminder.ReminderId);
            if (skipped < PagingParameters.Skip) { skipped++; continue; }
            if (written >= PagingParameters.First) break;
            written++;
            WriteObject(reminder);
        }
        // An id that matches nothing is an error per id, when no other filter or paging could be what hid it.
        if (query.ReminderIds is { } ids && people is null && OwnerId is null && Status is null && DueFrom is null && DueTo is null && !Overdue && !Today && !Tomorrow
            && SyncState is null && PagingParameters.Skip == 0 && PagingParameters.First == ulong.MaxValue)
        {
            foreach (var id in ids.Where(i => !found.Contains(i)))
            {
                var deleted = !IncludeDeleted && book.Find(id) is { DeletedAt: not null };
                WriteError(deleted
                    ? SalesReminderInput.Error(new ReminderException(ReminderFailureReason.ReminderNotFound, $"Reminder '{id}' was deleted; -IncludeDeleted shows it.") { Value = id }, id)
                    : SalesReminderInput.NotFound(id));
            }
        }
    }

    private void Refuse(string message, string errorId, object target) =>
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message), errorId, ErrorCategory.InvalidArgument, target)
        {
            ErrorDetails = new ErrorDetails(message),
        });
}
