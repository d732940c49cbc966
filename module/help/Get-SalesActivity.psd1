@{
    Synopsis    = 'Reads the log of sales activities SalesSync sent or still has to send.'
    Description = @(
        'Get-SalesActivity reads the activities stored in the database, oldest first, page by page: by person (-MarketoId, also from Get-SyncedPerson by property name), kind, delivery state at a destination, time range or activity id. Use it for audits such as "every sales email sent to someone now unsubscribed" or "everything still pending".'
    )
    Parameters  = @{
        MarketoId   = 'Only the activities of these people.'
        Kind        = 'Only these kinds.'
        State       = 'Only activities in this state at -Destination: Pending, Held (a sent email waiting for its unsubscribe check), Sending (outcome being checked), Delivered, Failed, NotRequired.'
        Destination = 'Marketo (default), Salesforce, or Any (in that state at either): which destination -State looks at.'
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
        @{ Code = 'Get-SalesActivity -State Pending'; Remarks = 'Everything still waiting for Marketo.' }
        @{ Code = 'Get-SalesActivity -Destination Any -State Failed'; Remarks = 'Every activity that failed at Marketo or at Salesforce.' }
        @{ Code = 'Get-SyncedPerson | Where-Object Unsubscribed | Get-SalesActivity -Kind EmailSent'; Remarks = 'Every sales email logged for someone now unsubscribed in Marketo.' }
        @{ Code = 'Get-SalesActivity -Destination Salesforce -State Failed | Select-Object ActivityId, Kind, MarketoId, SalesforceReason'; Remarks = 'Tasks Salesforce refused, and why.' }
    )
    Links       = @('Send-SalesActivity', 'Sync-SalesActivity')
}
