@{
    Synopsis    = 'Marks reminders Complete ("Completed" in Salesforce).'
    Description = @(
        'Complete-SalesReminder sets the Status of the reminders named by -ReminderId (typed, or piped from Get-SalesReminder) to Complete and records when (CompletedAt). With reminder sync on, the next reminder pass sets the Salesforce Task''s Status to "Completed". Completing a reminder that is already complete changes nothing. Set-SalesReminder -Status Open reopens one.'
        'Each id is asked about (ShouldProcess) and completed on its own: an unknown id is a ReminderNotFound error (ObjectNotFound), a deleted reminder a ReminderDeleted error (InvalidOperation), each with the id as TargetObject; the other ids go on.'
    )
    Parameters  = @{
        ReminderId = 'The reminders to complete (SR-...; any case); from the pipeline by value or by property name.'
        PassThru   = 'Writes each reminder after the change.'
    }
    Inputs      = 'Reminder ids, or objects with a ReminderId property (Get-SalesReminder, CSV rows).'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.SalesReminder'; Description = 'With -PassThru, each reminder after the change.' }
    Notes       = @('Salesforce statuses other than Not Started and Completed (In Progress, Deferred, ...) are kept as read and not applied here.')
    Examples    = @(
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Send the revised quote'' -DueDate (Get-Date)'; Code = 'Get-SalesReminder -MarketoId 1001 -Status Open -Today | Complete-SalesReminder -PassThru'; Remarks = 'Completes the person''s reminders due today and shows them.' }
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Confirm the meeting'' -DueDate (Get-Date).AddDays(-3)'; Code = 'Get-SalesReminder -Overdue | Complete-SalesReminder -WhatIf'; Remarks = 'Shows which overdue reminders would be completed, changing nothing.' }
    )
    Links       = @('Get-SalesReminder', 'Set-SalesReminder', 'Sync-SalesReminder')
}
