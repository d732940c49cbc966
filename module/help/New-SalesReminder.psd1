@{
    Synopsis    = 'Makes a seller''s reminder about a synced person (a Salesforce Task once reminder sync is on).'
    Description = @(
        'New-SalesReminder stores a reminder ("call Ana back on Thursday, high priority") for a synced sales person: named by -MarketoId or -Email, or piped (synced people from Get-SyncedPerson, CSV rows with a MarketoId, Email, ''Email Address'' or EmailAddress column; the other parameters bind from columns of the same name too). The reminder belongs to a seller: -OwnerId, else the person''s sales owner. With reminder sync on (Set-SalesActivitySetting -ReminderSync TwoWay) the next reminder pass (Sync-SalesReminder, or Start-SalesSync) makes its Salesforce Task; a reminder made while sync is Off stays in SalesSync only (SyncState NotSynced) until Sync-SalesReminder -IncludeExisting sends it.'
        'The subject is one line of 1 to 255 characters as Salesforce counts them (UTF-16 code units: an emoji or another character beyond U+FFFF counts 2, and the message says both counts); a subject of only spaces or invisible characters (zero-width spaces) is empty; -Details (Salesforce''s Comments) takes up to 32,000 characters and line breaks. -DueDate is a day: a [datetime] or text (yyyy-MM-dd, or a date in this session''s culture); its time part and any offset are ignored, never converted, so the day you give is the day Salesforce shows (ActivityDate has no time zone). New reminders are Open.'
        'Each item is checked and stored on its own: a bad row is that row''s error (the ErrorId names the reason, the TargetObject is the offending value) and the other rows go on. ErrorIds: PersonNotSynced (ObjectNotFound: no synced person has that id or email), AmbiguousEmail (InvalidArgument: several synced people share the email; give -MarketoId), MissingPerson (InvalidArgument), InvalidValue (InvalidArgument: an empty or multi-line subject, a bad date, priority or Marketo id, an -OwnerId that is not a Salesforce User id, such as a queue''s 00G...), ValueTooLong (LimitsExceeded: a subject over 255 characters), NoOwner (ObjectNotFound: the person has no sales owner and no -OwnerId was given). -WhatIf checks each item and says what would be made, storing nothing.'
    )
    Parameters  = @{
        MarketoId = 'The person''s Marketo id (as Get-SyncedPerson shows it); from the pipeline by property name. With -Email too, both must name the same person.'
        Email     = 'The person''s email (any case), when no other synced person shares it; from the pipeline by property name (also the ''Email Address'' and EmailAddress columns of Marketo''s exports).'
        Subject   = 'What to do, one line of at most 255 characters (the Salesforce Task''s Subject).'
        DueDate   = 'The day it is due: a [datetime] or text such as 2026-12-10. The time part is ignored; no time-zone shift.'
        Priority  = 'Normal (the default) or High, by name (a number, a comma list or an empty -Priority is refused; an empty CSV column means Normal). Salesforce''s Low is not a reminder priority.'
        Details   = 'Longer text (the Task''s Comments, up to 32,000 characters; line breaks kept).'
        OwnerId   = 'The seller the reminder is for: a Salesforce User id (005...), 15 characters exactly as Salesforce shows them or 18 in any case; it is stored in Salesforce''s canonical 18-character form (an 18-character id whose last 3 characters do not fit the first 15 is InvalidValue). Default: the person''s sales owner. A queue cannot own a reminder.'
        PassThru  = 'Writes each reminder made. Without it nothing is written, as Send-SalesActivity does.'
    }
    Inputs      = 'Synced people (Get-SyncedPerson) or CSV rows: MarketoId, Email, Subject, DueDate, Priority, Details and OwnerId by property name.'
    Outputs     = @{ Type = 'SalesSync.Core.Reminders.SalesReminder'; Description = 'With -PassThru, each reminder made (see Get-SalesReminder).' }
    Notes       = @('The reminder is stored at once; Salesforce hears of it at the next reminder pass, and only when reminder sync is TwoWay.')
    Examples    = @(
        @{ Code = 'New-SalesReminder -MarketoId 1001 -Subject ''Call back about pricing'' -DueDate (Get-Date).AddDays(3) -Priority High -PassThru'; Remarks = 'A high-priority reminder for the person''s sales owner, due in three days.' }
        @{ Code = 'Get-SyncedPerson -Company Acme | New-SalesReminder -Subject ''Follow up on the Acme webinar'' -DueDate 2026-12-15 -Details "Ask about the pilot.`nSend the slides."'; Remarks = 'One reminder per Acme person, each for that person''s own sales owner.' }
        @{
            Setup   = 'Get-SyncedPerson -Company Acme | Select-Object -First 2 Email, @{ n = ''Subject''; e = { ''Send the contract'' } }, @{ n = ''DueDate''; e = { ''2026-12-18'' } }, @{ n = ''Priority''; e = { ''High'' } } | Export-Csv ./reminders.csv'
            Code    = 'Import-Csv ./reminders.csv | New-SalesReminder -PassThru | Format-Table ReminderId, Email, DueDate, Subject'
            Remarks = 'Reminders from a spreadsheet with Email, Subject, DueDate and Priority columns; a bad row is that row''s error and the others are made.'
        }
        @{ Code = 'New-SalesReminder -MarketoId 1001 -Subject ''Review the renewal'' -DueDate 2026-12-20 -OwnerId 0055g00000AbCdE -WhatIf'; Remarks = 'Shows the reminder that would be made for another seller, storing nothing.' }
    )
    Links       = @('Get-SalesReminder', 'Set-SalesReminder', 'Sync-SalesReminder', 'Set-SalesActivitySetting')
}
