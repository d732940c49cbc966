@{
    Synopsis    = 'Delivers the sales activities waiting in the outbox.'
    Description = @(
        'Sync-SalesActivity sends every activity still pending for Marketo or Salesforce (left by Ctrl+C, a crash, an outage or a spent quota), 300 per Marketo call and 200 per Salesforce call. Activities whose last send had an unknown outcome are looked up first, so none is logged twice. Send-SalesActivity and Start-SalesSync do the same on their way.'
    )
    Parameters  = @{}
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivityDelivery'; Description = 'MarketoDelivered, MarketoFailed, SalesforceDelivered, SalesforceFailed, StillPending and, when it stopped early, StoppedBecause.' }
    Notes       = @('An outage stops the delivery with a warning; nothing is lost and the next run continues.')
    Examples    = @(
        @{ Code = 'Sync-SalesActivity'; Remarks = 'Delivers what is pending and says what is left.' }
        @{ Code = 'Sync-SalesActivity -WhatIf'; Remarks = 'Shows how many deliveries are pending without sending anything.' }
    )
    Links       = @('Send-SalesActivity', 'Get-SalesActivity')
}
