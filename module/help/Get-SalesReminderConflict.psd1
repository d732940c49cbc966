@{
    Synopsis    = 'Shows the conflicts reminder sync resolved, with both versions and the side that won.'
    Description = @(
        'A conflict is a reminder both sides changed between two reminder passes: the same field changed here and in Salesforce to different values (Kind SameField: the later change won, an exact tie went to Salesforce), or one side deleted what the other edited (Kind DeleteVsEdit: the delete won). A field changed on one side only is not a conflict (it simply takes that side''s value), nor is the same change made on both sides. Every conflict is kept, oldest first, and each also appeared as a warning of the pass that resolved it; none is dropped.'
        'Each object is flat: ConflictId, ReminderId, MarketoId, SalesforceTaskId, ResolvedAt, Kind, Fields (the fields in conflict, comma-separated), Winner (Local or Salesforce), the local version (LocalSubject, LocalStatus, LocalPriority, LocalDueDate, LocalDetails, LocalDeleted, LocalChangedAt) and the Salesforce version (the same with Salesforce...).'
    )
    Parameters  = @{
        Since      = 'Only conflicts resolved at or after this time (a local time unless it has an offset).'
        ReminderId = 'Only these reminders'' conflicts (one or several ids, no wildcards); from the pipeline by value (plain ids) or by property name (Get-SalesReminder). An id no reminder has is ReminderNotFound, as in Get-SalesReminder.'
    }
    Inputs      = 'Reminder ids, or objects with a ReminderId property (Get-SalesReminder).'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.ReminderConflict'; Description = 'One per conflict, flat; the default table shows ResolvedAt, ReminderId, Kind, Winner and Fields.' }
    Notes       = @('Reading makes no service call.')
    Examples    = @(
        @{ Setup = '$mode = (Get-SalesActivitySetting).ReminderSync
Set-SalesActivitySetting -ReminderSync TwoWay
$r = New-SalesReminder -MarketoId 1001 -Subject ''Discuss the renewal'' -DueDate (Get-Date).AddDays(4) -PassThru
Sync-SalesReminder 6>$null | Out-Null
$task = (Get-SalesReminder -ReminderId $r.ReminderId).SalesforceTaskId
Invoke-RestMethod -Method Patch "${sandboxControl}salesforce/Task/$task" -ContentType application/json -Body (@{ ActivityDate = (Get-Date).AddDays(5).ToString(''yyyy-MM-dd'') } | ConvertTo-Json) | Out-Null
Start-Sleep -Milliseconds 1100
Set-SalesReminder $r.ReminderId -DueDate (Get-Date).AddDays(6)
Sync-SalesReminder 6>$null 3>$null | Out-Null
Set-SalesActivitySetting -ReminderSync $mode'; Code = 'Get-SalesReminderConflict -Since (Get-Date).AddDays(-7)'; Remarks = 'The conflicts of the last week.' }
        @{ Code = 'Get-SalesReminderConflict | Where-Object Kind -EQ DeleteVsEdit | Select-Object ReminderId, Winner, LocalSubject, LocalDueDate, SalesforceDeleted'; Remarks = 'Reminders deleted on one side while edited on the other, with the edited values.' }
        @{ Code = 'Get-SalesReminder -MarketoId 1001 -IncludeDeleted | Get-SalesReminderConflict | Format-List'; Remarks = 'Every conflict about one person''s reminders, both versions in full.' }
    )
    Links       = @('Sync-SalesReminder', 'Get-SalesReminder')
}
