@{
    Synopsis    = 'Keeps email opt-outs in step between Marketo, Salesforce and SalesSync (never writing to Marketo).'
    Description = @(
        'Sync-SalesOptOut runs the opt-out step on its own; Start-SalesSync runs it after the people step whenever Salesforce is connected (-SkipOptOut leaves it out).'
        'Salesforce to SalesSync: the Email Opt Out (HasOptedOutOfEmail) of Salesforce leads and contacts is read into the database, where the send guard of Send-SalesActivity honours it. The first run reads only the opted-out leads and contacts, and the converted leads (to know which contact each became); later runs read only the records modified since the last run (SystemModstamp), never every record. An opt-out on a converted lead''s contact also reaches a person whose Marketo record still names the lead.'
        'Marketo to Salesforce: every synced person unsubscribed in Marketo gets HasOptedOutOfEmail = true on the Salesforce contact (else the lead), 200 records per sObject Collections call, with the header Sforce-Auto-Assign: FALSE so no lead assignment rule changes the owner. A converted lead is skipped in favour of its contact. A record Salesforce has or had opted out (as read, or as SalesSync set it) is not set again for the same unsubscribe: if someone clears the opt-out in Salesforce, Salesforce''s choice stands against the unsubscribe it cleared. If the person then unsubscribes in Marketo again (Marketo logs the unsubscribe after the record''s re-subscribe, times on both services'' clocks; Start-SalesSync''s incremental runs read it), that new unsubscribe is set. Re-subscribes are never pushed. Nothing is ever written to Marketo.'
        '-WhatIf reads Salesforce and prints a What if line for each change it would make, writing nothing to Salesforce or to the database. A record Salesforce refuses is an OptOutRefusedBySalesforce error; an outage or a spent quota stops the step with a warning and the next run continues.'
        'A progress bar (activity "Opt-out step") shows the records read and set and the Salesforce calls (not in redirected output). At the end a one-line summary goes to the Information stream, for example "1,204 Salesforce records read: 12 opt-outs of synced people recorded, 86 Email Opt Out set in Salesforce, 0 failed; 3 Salesforce calls, no Marketo calls": shown at the console, captured by -InformationVariable, hidden by -InformationAction SilentlyContinue or 6>$null.'
    )
    Parameters  = @{}
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.OptOutChange'; Description = 'Each change: Direction (SalesforceToSalesSync or MarketoToSalesforce), Outcome (Applied, WouldApply or Failed), SalesforceType, SalesforceId, OptedOut, MarketoIds (comma-separated text), Email, Reason.' }
    Notes       = @('Needs a Salesforce connection (Connect-SalesSync -SalesforceUri). -Verbose shows the totals and every Salesforce call.')
    Examples    = @(
        @{ Code = 'Sync-SalesOptOut -WhatIf'; Remarks = 'Lists the Salesforce records that would get Email Opt Out, and the Salesforce opt-outs that would be recorded, changing nothing.' }
        @{ Code = 'Sync-SalesOptOut | Group-Object Direction'; Remarks = 'Runs the step and counts the changes each way.' }
        @{ Code = 'Sync-SalesOptOut -InformationVariable summary 6>$null | Export-Csv .\optouts.csv; "$summary"'; Remarks = 'Saves every change (all columns are plain values) and keeps the one-line summary in a variable instead of showing it.' }
    )
    Links       = @('Start-SalesSync', 'Test-MarketoUnsubscribe', 'Send-SalesActivity')
}
