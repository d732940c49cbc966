@{
    Synopsis    = 'Reads reminders: by person, seller, status, due day and sync state.'
    Description = @(
        'Get-SalesReminder reads the reminders stored in the database, by due date then when made, page by page. Filters combine (AND); the values of one filter add up (OR). -Today, -Tomorrow and -Overdue read the local date of this computer. Deleted reminders (kept on record, SyncState Deleted) appear only with -IncludeDeleted or -SyncState Deleted.'
        'The objects are flat (Export-Csv and ConvertTo-Json keep every value): ReminderId, MarketoId, Email, Name, Subject, DueDate (a date at midnight; the table shows yyyy-MM-dd), Status (Open, Complete), Priority (Normal, High), Details, OwnerId, SalesforceWhoId, SalesforceTaskId, SyncState (NotSynced, Pending, Sending, Synced, Failed, Deleted) and SyncNote (why NotSynced or Failed; for Sending, when the outcome-unknown create is looked for again), Origin (Local or Salesforce), the Task''s values SalesSync does not apply (SalesforceStatus such as "In Progress", SalesforcePriority Low, SalesforceSubject), Overdue, SyncAttempts (Salesforce''s refusals of the current change), CreatedAt, ModifiedAt, CompletedAt, SyncedAt, DeletedAt and DeletedIn.'
        'Values are exact: no wildcards (* and ? are refused or match nothing). Errors: an -ReminderId that matches nothing writes ReminderNotFound (ObjectNotFound, the id as TargetObject) when no other filter or paging is given; an empty or blank -ReminderId is an error (never "no filter"), so an empty variable never selects every reminder; a -MarketoId or an -Email no synced person has writes PersonNotSynced (ObjectNotFound, the value as TargetObject) and the other values go on; an -Email that is not an address, or an -OwnerId that is not a Salesforce User id (005..., 15 or 18 characters; an 18-character id whose last 3 characters do not fit the first 15 is a typo), is the terminating InvalidValue (InvalidArgument); -DueTo before -DueFrom is the terminating DueToBeforeDueFrom, and -Today or -Tomorrow with -DueFrom or -DueTo the terminating DueRangeTwice (both InvalidArgument).'
    )
    Parameters  = @{
        ReminderId        = 'Only these reminders (SR-...; any case; no wildcards); from the pipeline by value (plain ids) or by property name (Get-SalesReminder, Get-SalesReminderConflict, CSV rows). Empty or blank is an error.'
        MarketoId         = 'Only the reminders of these people; from the pipeline by property name (Get-SyncedPerson). An id no synced person has is PersonNotSynced. Text with commas, such as ''1001,1002'' (a CSV column), is read as the ids 1001 and 1002; anything else in it is refused.'
        Email             = 'Only the reminders of the synced people with these emails (whole addresses, any case, no wildcards). An address no synced person has is PersonNotSynced; text that is not an address, InvalidValue.'
        OwnerId           = 'Only the reminders of these sellers: Salesforce User ids (005...), 15 characters exactly as Salesforce shows them, or 18 in any case; no wildcards, no queue ids.'
        Status            = 'Open or Complete.'
        DueFrom           = 'Only reminders due on or after this day (the time part is ignored).'
        DueTo             = 'Only reminders due on or before this day (the time part is ignored).'
        Overdue           = 'Only Open reminders due before today.'
        Today             = 'Only reminders due today (with -Tomorrow: today and tomorrow, as Adobe''s Command Center shows them).'
        Tomorrow          = 'Only reminders due tomorrow.'
        SyncState         = 'Only reminders in these sync states: NotSynced, Pending, Sending, Synced, Failed, Deleted.'
        IncludeDeleted    = 'Also deleted reminders (here or in Salesforce), kept on record.'
        First             = 'Writes only the first N reminders (after -Skip).'
        Skip              = 'Skips the first N reminders.'
        IncludeTotalCount = 'Writes the number of reminders the filters select before the reminders themselves.'
    }
    Inputs      = 'Reminder ids as plain strings; objects with a MarketoId or ReminderId property: synced people, reminders, conflicts.'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.SalesReminder'; Description = 'One per reminder, flat (see the description). The default table shows ReminderId, DueDate, Status, Priority, SyncState and Subject.' }
    Notes       = @('Reading makes no service call.')
    Examples    = @(
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Call back today'' -DueDate (Get-Date)'; Code = 'Get-SalesReminder -Today -Tomorrow -Status Open'; Remarks = 'The open reminders due today and tomorrow.' }
        @{ Setup = 'New-SalesReminder -MarketoId 1001 -Subject ''Send the proposal'' -DueDate (Get-Date).AddDays(-2)'; Code = 'Get-SalesReminder -Overdue | Sort-Object OwnerId | Format-Table OwnerId, DueDate, Email, Subject'; Remarks = 'Overdue reminders by seller.' }
        @{ Setup = 'Get-SyncedPerson -Company Acme | Select-Object -First 2 | New-SalesReminder -Subject ''Ask about the Acme pilot'' -DueDate (Get-Date).AddDays(2)'; Code = 'Get-SyncedPerson -Company Acme | Get-SalesReminder'; Remarks = 'Every reminder about people at Acme.' }
        @{ Code = 'Get-SalesReminder -SyncState Failed, NotSynced | Select-Object ReminderId, Subject, SyncState, SyncNote'; Remarks = 'Reminders not in Salesforce, and why.' }
        @{ Code = 'Get-SalesReminder -DueFrom (Get-Date).AddDays(-7) -DueTo (Get-Date).AddDays(7) | Export-Csv ./reminders.csv; Import-Csv ./reminders.csv | Select-Object -First 3 ReminderId, DueDate, Subject'; Remarks = 'Exports the reminders due in the week before and after today, every property a column, and reads a few back.' }
    )
    Links       = @('New-SalesReminder', 'Set-SalesReminder', 'Get-SalesReminderConflict', 'Sync-SalesReminder')
}
