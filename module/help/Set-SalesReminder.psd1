@{
    Synopsis    = 'Changes reminders: subject, due date, priority, details or status.'
    Description = @(
        'Set-SalesReminder changes the reminders named by -ReminderId (typed, or piped from Get-SalesReminder or a CSV with a ReminderId column). Only the values given change; each changed field records when it changed, which the conflict rule of reminder sync reads ("the later change wins"). A change that changes nothing writes nothing. With reminder sync on, the next reminder pass sends only the changed fields to the Salesforce Task; -Status Open on a reminder reopens it.'
        'Each id is asked about (ShouldProcess) and changed on its own: an unknown id is a ReminderNotFound error (ObjectNotFound), a deleted reminder a ReminderDeleted error (InvalidOperation), each with the id as TargetObject, and the other ids go on. A -DueDate that is not a date, or a day outside the ones Salesforce accepts (1700-01-01 to 4000-12-31), stops the command before any reminder changes (terminating InvalidValue); a bad -Subject (empty, multi-line, over 255 characters) is each id''s InvalidValue or ValueTooLong error, and nothing changes. No value to change: the terminating NoChangeGiven.'
    )
    Parameters  = @{
        ReminderId = 'The reminders to change (SR-...; any case); from the pipeline by value or by property name.'
        Subject    = 'The new subject: one line, at most 255 characters.'
        DueDate    = 'The new due day: a [datetime] or text such as 2026-12-10; the time part is ignored, no time-zone shift.'
        Priority   = 'Normal or High, by name (a number or a comma list is refused).'
        Details    = 'The new details (the Task''s Comments); an empty string clears them.'
        Status     = 'Open or Complete, by name (Complete-SalesReminder is the short way to complete).'
        PassThru   = 'Writes each reminder as it is after the change.'
    }
    Inputs      = 'Reminder ids, or objects with a ReminderId property (Get-SalesReminder, CSV rows). Other objects (a synced person) are each an InvalidValue error saying to pipe them through Get-SalesReminder first.'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.SalesReminder'; Description = 'With -PassThru, each reminder after the change.' }
    Notes       = @('A Salesforce subject edit never comes back to SalesSync; a subject changed here goes to Salesforce.')
    Examples    = @(
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Check the order'' -DueDate (Get-Date).AddDays(5)'; Code = 'Get-SalesReminder -MarketoId 1001 -Status Open | Set-SalesReminder -DueDate (Get-Date).AddDays(1) -Priority High -PassThru'; Remarks = 'Moves the person''s open reminders to tomorrow, at high priority.' }
        @{ Code = 'Get-SalesReminder -Overdue | Set-SalesReminder -DueDate (Get-Date) -WhatIf'; Remarks = 'Shows which overdue reminders would move to today, changing nothing.' }
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Send the brochure'' -DueDate (Get-Date) -PassThru | Complete-SalesReminder'; Code = 'Get-SalesReminder -MarketoId 1001 -Status Complete | Select-Object -First 1 | Set-SalesReminder -Status Open -Details ''Reopened: the brochure bounced.'''; Remarks = 'Reopens a completed reminder, with a note.' }
    )
    Links       = @('Get-SalesReminder', 'Complete-SalesReminder', 'Remove-SalesReminder', 'Sync-SalesReminder')
}
