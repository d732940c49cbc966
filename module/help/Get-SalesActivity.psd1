@{
    Synopsis    = 'Reads the log of sales activities SalesSync sent or still has to send.'
    Description = @(
        'Get-SalesActivity reads the activities stored in the database, oldest first, page by page: by person (-MarketoId, also from Get-SyncedPerson by property name), kind, delivery state at a destination, time range or activity id. Use it for audits such as "every sales email sent to someone now unsubscribed" or "everything still pending".'
        'The objects are flat: every attribute is a property named as Send-SalesActivity''s parameter (Subject, SentBy, CallStatus, DurationSeconds, ...; empty when the kind does not carry it), Kind and the states are text, OccurredAt keeps the offset it was given with and OccurredAtUtc is the same time as ISO 8601 text in UTC, which Export-Csv writes the same in every culture. So Export-Csv and ConvertTo-Json keep everything, and a file exported with Export-Csv can be piped back into Send-SalesActivity: each row''s ActivityId makes it a skip.'
        'Errors: -Before not later than -After is a terminating BeforeNotAfterAfter error (InvalidArgument); an -ActivityId that matches no activity writes SalesActivityNotFound (ObjectNotFound, the id as TargetObject), as Get-SyncedPerson -MarketoId does, when no other filter or paging is given; an unknown -Kind, -State or -Destination is PowerShell''s own binding error listing the valid names. -ActivityId is trimmed and matched in any case, as the database matches ids.'
    )
    Parameters  = @{
        MarketoId   = 'Only the activities of these people. Text with commas, such as ''1001,1002'' (a CSV column), is read as the ids 1001 and 1002; anything else in it is refused.'
        Kind        = 'Only these kinds, read as Send-SalesActivity reads -Kind: any case, spaces, hyphens and underscores ignored (''Call Received'' is CallReceived). Tab completion offers the eight names.'
        State       = 'Only activities in this state at -Destination: Pending, Held (a sent email waiting for its unsubscribe check), Sending (outcome being checked), Delivered, Failed, NotRequired, or Refused (a sent email the unsubscribe guard refused: kept on record with the reason, never delivered).'
        Destination = 'Which destination -State looks at: Marketo, Salesforce, or Any. Without it, -State matches an activity in that state at either destination, so a Salesforce failure is never hidden.'
        After       = 'Only activities that happened at or after this time (a local time unless it has an offset).'
        Before      = 'Only activities that happened before this time; must be later than -After.'
        ActivityId  = 'Only these activity ids (SalesSync''s SS-..., or your own); trimmed. An id that matches nothing is a SalesActivityNotFound error.'
        First             = 'Writes only the first N activities (after -Skip).'
        Skip              = 'Skips the first N activities.'
        IncludeTotalCount = 'Writes the number of activities the filters select before the activities themselves.'
    }
    Inputs      = 'Objects with a MarketoId property, for example from Get-SyncedPerson.'
    Outputs     = @{ Type = 'SalesSync.SalesActivity'; Description = 'One per activity, flat: its state per destination and every attribute as a property (see the description).' }
    Notes       = @('-First and -Skip page the results.')
    Examples    = @(
        @{ Code = 'Get-SalesActivity -State Pending'; Remarks = 'Everything still waiting for Marketo or Salesforce.' }
        @{ Code = 'Get-SalesActivity -State Failed'; Remarks = 'Every activity that failed at Marketo or at Salesforce.' }
        @{ Code = 'Get-SalesActivity -State Refused | Select-Object ActivityId, Email, OccurredAt, MarketoReason'; Remarks = 'Sales emails sent to people who were unsubscribed or opted out (the guard refused to log them as delivered; the record stays as evidence).' }
        @{ Code = 'Get-SyncedPerson | Where-Object Unsubscribed | Get-SalesActivity -Kind EmailSent'; Remarks = 'Every sales email logged for someone now unsubscribed in Marketo.' }
        @{ Code = 'Get-SalesActivity -Destination Salesforce -State Failed | Select-Object ActivityId, Kind, MarketoId, SalesforceReason'; Remarks = 'Tasks Salesforce refused, and why.' }
        @{ Code = 'Get-SalesActivity -After (Get-Date).AddDays(-7) | Export-Csv -LiteralPath ./activities.csv -NoTypeInformation; Import-Csv ./activities.csv | Select-Object -First 3 ActivityId, Kind, Subject, CallStatus, OccurredAtUtc'; Remarks = 'Exports the last week''s activities with every attribute as a column, and reads a few back.' }
    )
    Links       = @('Send-SalesActivity', 'Sync-SalesActivity')
}
