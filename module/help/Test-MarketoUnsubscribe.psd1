@{
    Synopsis    = 'Checks email addresses against Marketo''s unsubscribe status, live, before a seller emails them.'
    Description = @(
        'Test-MarketoUnsubscribe looks each email address up in Marketo (Get Leads by Filter Type, filterType=email, sent as the long query POST leads.json?_method=GET), 300 addresses per call. Addresses are gathered from the pipeline and looked up as each batch of 300 fills and at the end, so 10,000 addresses cost at most 34 calls; an address repeated in the pipeline (in any case) is looked up once. Results come out in input order.'
        'An address is unsubscribed when ANY Marketo person with it is unsubscribed (duplicates exist; Durable Unsubscribe usually keeps them in step). The result names every matching Marketo id, the unsubscribed ones and Marketo''s reason. An address no Marketo person has is reported as not found, not as unsubscribed. Matching ignores case, as Marketo''s does.'
        'It fails closed. A syntactically invalid address is an InvalidEmail error and costs no call. When Marketo cannot answer (an outage after the bounded retries, or an answer with a person that matches none of the addresses asked for or has no numeric id, which may be the unsubscribed record of one of them: UnsubscribeCheckFailed, for every address of that lookup; the daily quota, 607: MarketoQuotaExhausted; refused credentials: UnsubscribeCheckRefused) the address gets an error and a result with Unsubscribed $true and SafeToEmail $false, never a "safe to email" verdict. Input without an email is a NoEmail error. Nothing is written anywhere: it only reads.'
    )
    Parameters  = @{
        InputObject = 'An email address, or any object with an Email property (a person from Get-SyncedPerson, a row from Import-Csv, ...). Taken from the pipeline.'
        Email       = 'One or more email addresses to check.'
        Quiet       = 'Writes one boolean per input: $true when the address is unsubscribed or could not be checked, $false only when Marketo confirmed it is not unsubscribed.'
        SafeOnly    = 'Writes only the input objects that are safe to email (Marketo confirmed they are not unsubscribed, including addresses Marketo does not know), unchanged, so the pipeline can go on into Send-SalesActivity. Unsubscribed inputs are dropped (see -Verbose); inputs that could not be checked are errors.'
    }
    Inputs      = 'System.String, or any object with an Email property.'
    Outputs     = @{ Type = 'SalesSync.UnsubscribeCheck'; Description = 'Email, Unsubscribed, Found, SafeToEmail, MarketoIds, UnsubscribedIds, Reason, CheckedAt and InputObject. With -Quiet, System.Boolean; with -SafeOnly, the input objects.' }
    Notes       = @('Each lookup is one Marketo call against the instance''s rate limit (100 calls per 20 s) and daily quota, shared with other integrations. -Verbose shows every call and retry.')
    Examples    = @(
        @{ Code = 'Test-MarketoUnsubscribe -Email ana@example.com, BOB@example.org'; Remarks = 'Checks two addresses; case does not matter.' }
        @{
            Code    = 'Get-SyncedPerson -Company Acme | Test-MarketoUnsubscribe -SafeOnly | Send-SalesActivity -Kind EmailSent -Subject ''Q3 offer'''
            Remarks = 'Logs the sales email only for the Acme people who may be emailed; the checks stay batched, 300 per call. The send guard of Send-SalesActivity checks each sent email again (one more call per 300), which also catches an unsubscribe made in between.'
        }
        @{ Code = 'if (Test-MarketoUnsubscribe ana@example.com -Quiet) { ''do not email'' }'; Remarks = 'A boolean for scripts; an address that could not be checked counts as unsubscribed.' }
        @{ Code = 'Import-Csv .\campaign.csv | Test-MarketoUnsubscribe | Where-Object { -not $_.SafeToEmail } | Export-Csv .\blocked.csv'; Remarks = 'Audits a CSV with an Email column and saves the results of the rows not to email (unsubscribed, or not checkable).' }
    )
    Links       = @('Send-SalesActivity', 'Sync-SalesOptOut', 'Get-SyncedPerson')
}
