@{
    Synopsis    = 'Creates and approves SalesSync''s three custom activity types in Marketo.'
    Description = @(
        'Install-SalesActivityType makes sure Marketo has SalesSync''s custom activity types: SalesSync Sales Email (trigger "Has Sales Email Activity", filter "Had Sales Email Activity"), SalesSync Sales Call ("Receives Sales Call" / "Received Sales Call") and SalesSync Sales Campaign ("Has Sales Campaign Change" / "Had Sales Campaign Change"), each with an Action attribute (Sent, Opened, Clicked, Replied, Bounced, Received, Added, Removed), the SalesSync activity id and the glossary''s attributes. Marketo allows 10 custom types and 20 attributes per type for all integrations together; SalesSync uses 3 types and at most 15 attributes each.'
        'It is idempotent: it creates what is missing, adds missing attributes, approves a type left as a draft, and reports the rest as it is. -WhatIf only reads and shows what it would do. Send-SalesActivity refuses to start (ActivityTypesNotInstalled) until the types are approved.'
        'When Marketo cannot be reached or refuses, it stops with a terminating error: MarketoUnavailable (ConnectionError; run it again later, it is safe to repeat), MarketoQuotaExhausted (QuotaExceeded), MarketoAccessDenied (PermissionDenied) or ActivityTypeInstallRefused (InvalidOperation).'
    )
    Parameters  = @{}
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivityType'; Description = 'One per type: ApiName, Name, MarketoTypeId, Status, Action (Exists, Created, AttributesAdded, Approved, or WouldCreate, WouldAddAttributes, WouldApprove with -WhatIf) and AddedAttributes.' }
    Notes       = @('Needs the Marketo API user''s "Read-Write Activity Metadata" permission.')
    Examples    = @(
        @{ Code = 'Install-SalesActivityType -WhatIf'; Remarks = 'Shows what is missing in Marketo without changing anything.' }
        @{ Code = 'Install-SalesActivityType | Format-Table ApiName, MarketoTypeId, Status, Action'; Remarks = 'Creates and approves what is missing and lists the three types.' }
    )
    Links       = @('Send-SalesActivity')
}
