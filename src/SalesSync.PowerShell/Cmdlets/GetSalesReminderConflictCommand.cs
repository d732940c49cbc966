using System.Management.Automation;
using SalesSync.Core.Reminders;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// The conflicts reminder passes resolved (both sides changed the same field, or one deleted what the other edited),
/// oldest first, each with both versions and the side that won.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SalesReminderConflict")]
[OutputType(typeof(ReminderConflict))]
public sealed class GetSalesReminderConflictCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Only conflicts resolved at or after this time (a local time unless it has an offset).</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>Only these reminders' conflicts (typed, or piped as ids, reminders or CSV rows, as Get-SalesReminder takes them).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ReminderIdTransformation]
    [ValidateNotNullOrEmpty]
    public string[]? ReminderId { get; set; }

    protected override void ProcessRecord()
    {
        var book = Session.Reminders;
        var since = LocalTime.ToOffset(Since);
        if (ReminderId is null)
        {
            foreach (var conflict in book.Conflicts(since)) WriteObject(conflict);
            return;
        }
        foreach (var given in ReminderId)
        {
            if (ReminderIdTransformationAttribute.IsNotAReminder(given, out var type))
                WriteError(SalesReminderInput.NotAReminder(MyInvocation.MyCommand.Name, type, given));
            // An unknown id is an error, as in Get-SalesReminder; a deleted reminder keeps its conflicts (delete vs edit).
            else if (book.Find(given) is null) WriteError(SalesReminderInput.NotFound(given.Trim()));
            else foreach (var conflict in book.Conflicts(since, given)) WriteObject(conflict);
        }
    }
}
