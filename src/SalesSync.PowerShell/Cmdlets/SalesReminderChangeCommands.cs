using System.Management.Automation;
using SalesSync.Core.Reminders;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// A change to existing reminders, by id (typed, or piped from Get-SalesReminder or a CSV): each id asked about
/// (ShouldProcess), changed and reported on its own, so an unknown or deleted id is that id's error and the rest go on.
/// The change reaches Salesforce on the next reminder pass.
/// </summary>
public abstract class SalesReminderChangeCmdlet : SalesSyncConnectedCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ReminderIdTransformation]
    public string[] ReminderId { get; set; } = [];

    /// <summary>Writes each reminder as it is after the change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ReminderBook? _book;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _book = Session.Reminders;
        Check();
    }

    /// <summary>Refuses parameters that cannot work for any reminder (before any id is read).</summary>
    protected virtual void Check()
    {
    }

    /// <summary>What the change does, for the What if and Confirm text.</summary>
    protected abstract string Describe(SalesReminder current);

    /// <summary>Makes the change (or, with <paramref name="whatIf"/>, only checks it) and returns the reminder as it then is.</summary>
    protected abstract SalesReminder Apply(ReminderBook book, string id, DateTimeOffset now, bool whatIf);

    protected override void ProcessRecord()
    {
        foreach (var given in ReminderId)
        {
            if (ReminderIdTransformationAttribute.IsNotAReminder(given, out var type))
            {
                WriteError(SalesReminderInput.NotAReminder(MyInvocation.MyCommand.Name, type, given));
                continue;
            }
            try
            {
                var now = DateTimeOffset.UtcNow;
                // Checked before asking: an unknown or deleted id, or a bad value, is an error even under -WhatIf.
                var checkedChange = Apply(_book!, given, now, whatIf: true);
                if (!ShouldProcess($"Reminder {checkedChange.ReminderId} ('{checkedChange.Subject}', Marketo person {checkedChange.MarketoId})", Describe(checkedChange))) continue;
                var done = Apply(_book!, given, now, whatIf: false);
                WriteVerbose($"Reminder {done.ReminderId}: {done.Status}, due {done.DueDate:yyyy-MM-dd}, {done.SyncState}.");
                if (PassThru) WriteObject(done);
            }
            catch (ReminderException e)
            {
                WriteError(SalesReminderInput.Error(e, given));
            }
        }
    }

    private protected static string SyncNote(SalesReminder r) =>
        r.SyncState == nameof(ReminderSyncState.NotSynced) ? " (kept in SalesSync only)"
            : r.SalesforceTaskId is null ? " (and in Salesforce on the next reminder pass)" : $" and in Salesforce Task {r.SalesforceTaskId} on the next reminder pass";
}

/// <summary>Changes reminders' subject, due date, priority, details or status.</summary>
[Cmdlet(VerbsCommon.Set, "SalesReminder", SupportsShouldProcess = true)]
[OutputType(typeof(SalesReminder))]
public sealed class SetSalesReminderCommand : SalesReminderChangeCmdlet
{
    [Parameter]
    public string? Subject { get; set; }

    /// <summary>A date (DateTime or ISO text); read here so a bad one is a clear InvalidValue.</summary>
    [Parameter]
    public object? DueDate { get; set; }

    /// <summary>Names only: a number or a comma list is refused (enums would take them).</summary>
    [Parameter]
    [ValidateSet(nameof(ReminderPriority.Normal), nameof(ReminderPriority.High))]
    public string? Priority { get; set; }

    /// <summary>An empty string clears them.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Details { get; set; }

    [Parameter]
    [ValidateSet(nameof(ReminderStatus.Open), nameof(ReminderStatus.Complete))]
    public string? Status { get; set; }

    private ReminderEdit _edit = new();

    protected override void Check()
    {
        try
        {
            _edit = new ReminderEdit
            {
                Subject = Subject,
                // Checked here, range included: any bad date stops the command before a reminder is asked about.
                DueDate = DueDate is null ? null : ReminderBook.CheckDueDate(SalesReminderInput.ReadDueDate(DueDate)),
                Priority = Priority is { } p ? Enum.Parse<ReminderPriority>(p, ignoreCase: true) : null,
                Details = Details,
                Status = Status is { } s ? Enum.Parse<ReminderStatus>(s, ignoreCase: true) : null,
            };
        }
        catch (ReminderException e)
        {
            ThrowTerminatingError(SalesReminderInput.Error(e, DueDate));
        }
        if (_edit.IsEmpty)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give what to change: -Subject, -DueDate, -Priority, -Details or -Status (Complete-SalesReminder completes, Remove-SalesReminder deletes)."),
                "NoChangeGiven", ErrorCategory.InvalidArgument, null));
    }

    protected override string Describe(SalesReminder r)
    {
        var changes = new List<string>();
        if (_edit.Subject is not null) changes.Add($"subject '{r.Subject}'");
        if (_edit.DueDate is not null) changes.Add($"due {r.DueDate:yyyy-MM-dd}");
        if (_edit.Priority is not null) changes.Add($"{r.Priority} priority");
        if (_edit.Details is not null) changes.Add(r.Details is null ? "no details" : "new details");
        if (_edit.Status is not null) changes.Add(r.Status);
        return $"Set {string.Join(", ", changes)} in SalesSync{SyncNote(r)}";
    }

    protected override SalesReminder Apply(ReminderBook book, string id, DateTimeOffset now, bool whatIf) => book.Update(id, _edit, now, whatIf);
}

/// <summary>Marks reminders Complete ("Completed" in Salesforce).</summary>
[Cmdlet(VerbsLifecycle.Complete, "SalesReminder", SupportsShouldProcess = true)]
[OutputType(typeof(SalesReminder))]
public sealed class CompleteSalesReminderCommand : SalesReminderChangeCmdlet
{
    protected override string Describe(SalesReminder r) => $"Complete in SalesSync{SyncNote(r)}";

    protected override SalesReminder Apply(ReminderBook book, string id, DateTimeOffset now, bool whatIf) =>
        book.Update(id, new ReminderEdit { Status = ReminderStatus.Complete }, now, whatIf);
}

/// <summary>Deletes reminders: each stays on record as deleted, and the next reminder pass deletes its Salesforce Task.</summary>
[Cmdlet(VerbsCommon.Remove, "SalesReminder", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SalesReminder))]
public sealed class RemoveSalesReminderCommand : SalesReminderChangeCmdlet
{
    protected override string Describe(SalesReminder r) => $"Delete in SalesSync{SyncNote(r)}";

    protected override SalesReminder Apply(ReminderBook book, string id, DateTimeOffset now, bool whatIf) => book.Remove(id, now, whatIf);
}
