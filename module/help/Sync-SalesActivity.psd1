@{
    Synopsis    = 'Delivers the sales activities waiting in the outbox.'
    Description = @(
        'Sync-SalesActivity sends every activity still pending for Marketo or Salesforce (left by Ctrl+C, a crash, an outage or a spent quota), 300 per Marketo call and 200 per Salesforce call. Activities whose last send had an unknown outcome are looked up first, by SalesSync''s own activity id (at most 100 Marketo calls per delivery; one Salesforce query per 200 Tasks, by WhoId and CreatedDate), so none is logged twice. Sent emails left Held for their unsubscribe check are checked first, each on its own: allowed ones are delivered, refused ones kept as Refused, and only those Marketo cannot be asked about now (an outage, the quota) stay Held. Send-SalesActivity and Start-SalesSync do the same on their way.'
        'A delivery fails when the service refuses it (for example 1004 when the person was deleted in Marketo, or a Salesforce validation rule), and also, marked Unconfirmed, when its outcome stayed unknown and every lookup failed for a day from the first failed one (so it stops being looked up on every delivery). After fixing the cause, -RetryFailed sends failed deliveries again, at both destinations: all of them, or with -ActivityId (or Get-SalesActivity -State Failed piped in) only those. A refused one is sent again (a Task whose owner is inactive goes to the fallback owner once Set-SalesActivitySetting -FallbackTaskOwnerId is set); an Unconfirmed one is looked up first and sent only if it did not arrive, so it is never sent twice. An -ActivityId that matches no activity is a SalesActivityNotFound error (ObjectNotFound) and one without a failed delivery a warning; what is pending is delivered all the same.'
        'Progress (Write-Progress) shows Marketo''s and Salesforce''s deliveries nested under the command''s record; PowerShell shows none when the output is redirected. The command ends with a one-line summary on the Information stream (tag SalesSync.Summary), for example "Marketo 12 delivered, 0 failed; Salesforce 10 delivered, 2 failed (2 INACTIVE_OWNER_OR_USER); 0 pending": shown at the console like Write-Host, captured by -InformationVariable, hidden by -InformationAction SilentlyContinue or 6>$null. ErrorIds: ActivityIdWithoutRetryFailed (terminating, -ActivityId without -RetryFailed), SalesActivityNotFound, ActivityTypesNotInstalled and ActivityDeliveryRefused (terminating; nothing is lost).'
    )
    Parameters  = @{
        RetryFailed = 'Puts failed deliveries back to pending (attempts reset) before delivering, so they are sent again.'
        ActivityId  = 'With -RetryFailed: only the failed deliveries of these activities. Taken from the pipeline by property name (Get-SalesActivity -State Failed).'
    }
    Inputs      = 'Objects with an ActivityId property (SalesSync.SalesActivity), with -RetryFailed.'
    Outputs     = @{ Type = 'SalesSync.SalesActivityDelivery'; Description = 'MarketoDelivered, MarketoFailed, SalesforceDelivered, SalesforceFailed, StillPending and, when it stopped early, StoppedBecause.' }
    Notes       = @('An outage stops the delivery with a warning; nothing is lost and the next run continues.')
    Examples    = @(
        @{ Code = 'Sync-SalesActivity'; Remarks = 'Delivers what is pending and says what is left.' }
        @{ Code = 'Sync-SalesActivity -WhatIf'; Remarks = 'Shows how many deliveries are pending without sending anything.' }
        @{ Code = 'Sync-SalesActivity -InformationAction SilentlyContinue -InformationVariable summary | Out-Null; "$summary"'; Remarks = 'In a runbook: delivers quietly and keeps the one-line summary for the log.' }
        @{ Code = 'Get-SalesActivity -Destination Salesforce -State Failed | Where-Object SalesforceReason -Like ''FIELD_CUSTOM_VALIDATION*'' | Sync-SalesActivity -RetryFailed'; Remarks = 'After a Salesforce validation rule was fixed, sends the Tasks it had refused again.' }
    )
    Links       = @('Send-SalesActivity', 'Get-SalesActivity')
}
