@{
    Synopsis    = 'Reads the log of sales activities SalesSync sent or still has to send.'
    Description = @(
        'Get-SalesActivity reads the activities stored in the database, oldest first, page by page: by person (-MarketoId, also from Get-SyncedPerson by property name), kind, delivery state at a destination, time range or activity id. Use it for audits such as "every sales email sent to someone now unsubscribed" or "everything still pending".'
    )
    Parameters  = @{
        MarketoId   = 'Only the activities of these people.'
        Kind        = 'Only these kinds.'
        State       = 'Only activities in this state at -Destination: Pending, Held (a sent email waiting for its unsubscribe check), Sending (outcome being checked), Delivered, Failed, NotRequired, or Refused (a sent email the unsubscribe guard refused: kept on record with the reason, never delivered).'
        Destination = 'Which destination -State looks at: Marketo, Salesforce, or Any. Without it, -State matches an activity in that state at either destination, so a Salesforce failure is never hidden.'
        After       = 'Only activities that happened at or after this time.'
        Before      = 'Only activities that happened before this time.'
        ActivityId  = 'Only these SalesSync activity ids (SS-...).'
        First             = 'Writes only the first N activities (after -Skip).'
        Skip              = 'Skips the first N activities.'
        IncludeTotalCount = 'Writes the number of activities the filters select before the activities themselves.'
    }
    Inputs      = 'Objects with a MarketoId property, for example from Get-SyncedPerson.'
    Outputs     = @{ Type = 'SalesSync.SalesActivity'; Description = 'One per activity, with its state per destination.' }
    Notes       = @('-First and -Skip page the results.')
    Examples    = @(
        @{ Code = 'Get-SalesActivity -State Pending'; Remarks = 'Everything still waiting for Marketo or Salesforce.' }
        @{ Code = 'Get-SalesActivity -State Failed'; Remarks = 'Every activity that failed at Marketo or at Salesforce.' }
        @{ Code = 'Get-SalesActivity -State Refused | Select-Object ActivityId, Email, OccurredAt, MarketoReason'; Remarks = 'Sales emails sent to people who were unsubscribed or opted out (the guard refused to log them as delivered; the record stays as evidence).' }
        @{ Code = 'Get-SyncedPerson | Where-Object Unsubscribed | Get-SalesActivity -Kind EmailSent'; Remarks = 'Every sales email logged for someone now unsubscribed in Marketo.' }
        @{ Code = 'Get-SalesActivity -Destination Salesforce -State Failed | Select-Object ActivityId, Kind, MarketoId, SalesforceReason'; Remarks = 'Tasks Salesforce refused, and why.' }
    )
    Links       = @('Send-SalesActivity', 'Sync-SalesActivity')
}
