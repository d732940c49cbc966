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

    /// <summary>Only this reminder's conflicts (also piped from Get-SalesReminder).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    public string? ReminderId { get; set; }

    protected override void ProcessRecord()
    {
        var id = ReminderId?.Trim() is { Length: > 0 } given ? given : null;
        foreach (var conflict in Session.Reminders.Conflicts(LocalTime.ToOffset(Since), id)) WriteObject(conflict);
    }
}
