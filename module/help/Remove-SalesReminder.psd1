@{
    Synopsis    = 'Deletes reminders (and, at the next reminder pass, their Salesforce Tasks).'
    Description = @(
        'Remove-SalesReminder deletes the reminders named by -ReminderId (typed, or piped from Get-SalesReminder). A deleted reminder stays on record (SyncState Deleted, DeletedAt, DeletedIn Local; Get-SalesReminder -IncludeDeleted shows it) and cannot be changed again; with reminder sync on, the next reminder pass deletes its Salesforce Task (to the Recycle Bin). A delete wins over an edit made in Salesforce meanwhile (recorded as a DeleteVsEdit conflict).'
        'ConfirmImpact is Medium: with the default $ConfirmPreference it does not ask; -Confirm asks for each reminder, -WhatIf shows what would be deleted. An unknown id is a ReminderNotFound error (ObjectNotFound), an already deleted reminder a ReminderDeleted error (InvalidOperation), each with the id as TargetObject; the other ids go on.'
    )
    Parameters  = @{
        ReminderId = 'The reminders to delete (SR-...; any case); from the pipeline by value or by property name.'
        PassThru   = 'Writes each reminder as deleted.'
    }
    Inputs      = 'Reminder ids, or objects with a ReminderId property (Get-SalesReminder, CSV rows).'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.SalesReminder'; Description = 'With -PassThru, each reminder as deleted.' }
    Notes       = @('A delete in Salesforce also deletes the reminder here (read from queryAll, or the delete log within its 15 days).')
    Examples    = @(
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Old follow-up'' -DueDate (Get-Date).AddDays(-40) -PassThru | Complete-SalesReminder'; Code = 'Get-SalesReminder -Status Complete -DueTo (Get-Date).AddDays(-30) | Remove-SalesReminder'; Remarks = 'Deletes the reminders completed and due more than 30 days ago.' }
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Maybe call'' -DueDate (Get-Date).AddDays(10)'; Code = 'Get-SalesReminder -MarketoId 1001 -Status Open | Remove-SalesReminder -WhatIf'; Remarks = 'Shows which of the person''s open reminders would be deleted, deleting nothing.' }
    )
    Links       = @('Get-SalesReminder', 'Sync-SalesReminder')
}
