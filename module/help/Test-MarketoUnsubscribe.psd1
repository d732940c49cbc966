@{
    Synopsis    = 'Checks email addresses against Marketo''s unsubscribe status, live, before a seller emails them.'
    Description = @(
        'Test-MarketoUnsubscribe looks each email address up in Marketo (Get Leads by Filter Type, filterType=email, sent as the long query POST leads.json?_method=GET), up to 300 addresses per call. Addresses are gathered from the pipeline and looked up several calls side by side, as many as the connection''s share of Marketo''s concurrency limit (Connect-SalesSync -MarketoConcurrentCalls, 5 by default; -MarketoCallsPerWindow paces them), and at the end. Results come out in input order. An address repeated in the pipeline (in any case) is looked up once.'
        'Marketo returns at most 300 records per call, so a call whose addresses match more records (duplicates) needs a second page. Each call is sized so that rarely happens: the local database knows which addresses several synced people share, and the calls already answered tell how many records the other addresses bring. 10,000 addresses cost about ceil(records / 300) calls, and at most 34 when few of them are duplicates.'
        'An address is unsubscribed when ANY Marketo person with it is unsubscribed (duplicates exist; Durable Unsubscribe usually keeps them in step). The result names every matching Marketo id, the unsubscribed ones and Marketo''s reason. An address no Marketo person has is reported as not found, not as unsubscribed. Matching ignores case and surrounding spaces, as Marketo''s does.'
        'It fails closed: an address without a verdict gets an error and a result with Unsubscribed $true, SafeToEmail $false and the error''s ErrorId both in ErrorId and in Reason ("Not checked (<ErrorId>): ..."), never a "safe to email" verdict. The ErrorIds: NoEmail (the input has no address: neither text nor an Email, EmailAddress or ''Email Address'' property with a value) and InvalidEmail (not one plain address; no call is spent on either), UnsubscribeCheckFailed (Marketo did not answer after the bounded retries, or answered with a person that matches none of the addresses asked for or has no numeric id, which may be the unsubscribed record of one of them), MarketoQuotaExhausted (the daily quota, 607) and UnsubscribeCheckRefused (Marketo refused the lookup: credentials, permissions). Nothing is written anywhere: it only reads.'
        'A progress bar shows the addresses looked up, the rate and the calls (not in redirected output). At the end a one-line summary goes to the Information stream, for example "30,000 checked: 29,120 safe, 842 unsubscribed, 38 not checked (InvalidEmail)": shown at the console, captured by -InformationVariable, hidden by -InformationAction SilentlyContinue or 6>$null.'
    )
    Parameters  = @{
        InputObject = 'An email address, or any object with an Email, EmailAddress or ''Email Address'' property (a person from Get-SyncedPerson, a row of a Marketo list export from Import-Csv, ...). Taken from the pipeline.'
        Email       = 'One or more email addresses to check.'
        Quiet       = 'Writes one boolean per input: $true when the address is unsubscribed or could not be checked, $false only when Marketo confirmed it is not unsubscribed.'
        SafeOnly    = 'Writes only the input objects that are safe to email (Marketo confirmed they are not unsubscribed, including addresses Marketo does not know), unchanged, so the pipeline can go on into Send-SalesActivity. Unsubscribed inputs are dropped (see -Verbose); inputs that could not be checked are errors. Cannot be used with -Quiet (QuietWithSafeOnly).'
    }
    Inputs      = 'System.String, or any object with an Email, EmailAddress or ''Email Address'' property.'
    Outputs     = @{ Type = 'SalesSync.UnsubscribeCheck'; Description = 'Email, Unsubscribed, Found, SafeToEmail, MarketoIds and UnsubscribedIds (comma-separated text), Reason, ErrorId (null when checked), CheckedAt and InputObject. With -Quiet, System.Boolean; with -SafeOnly, the input objects.' }
    Notes       = @('Each lookup is one Marketo call against the instance''s rate limit (100 calls per 20 s) and daily quota, shared with other integrations. -Verbose shows every call and retry.')
    Examples    = @(
        @{ Code = 'Test-MarketoUnsubscribe -Email ana@example.com, BOB@example.org'; Remarks = 'Checks two addresses; case does not matter.' }
        @{
            Code    = 'Get-SyncedPerson -Company Acme | Test-MarketoUnsubscribe -SafeOnly | Send-SalesActivity -Kind EmailSent -Subject ''Q3 offer'''
            Remarks = 'Logs the sales email only for the Acme people who may be emailed; the checks stay batched, up to 300 per call. The send guard of Send-SalesActivity checks each sent email again (one more call per 300), which also catches an unsubscribe made in between, and refuses the people opted out in Salesforce (an OptedOutInSalesforce error each).'
        }
        @{ Code = 'if (Test-MarketoUnsubscribe ana@example.com -Quiet) { ''do not email'' }'; Remarks = 'A boolean for scripts; an address that could not be checked counts as unsubscribed.' }
        @{
            Setup   = 'Get-SyncedPerson | Select-Object -First 20 @{ n = ''Email Address''; e = { $_.Email } }, Company | Export-Csv .\campaign.csv'
            Code    = 'Import-Csv .\campaign.csv | Test-MarketoUnsubscribe | Where-Object { -not $_.SafeToEmail } | Export-Csv .\blocked.csv'
            Remarks = 'Audits a CSV, such as a Marketo list export with its ''Email Address'' column (an Email or EmailAddress column works too), and saves the results of the rows not to email (unsubscribed, or not checkable). Every column of the result survives Export-Csv.'
        }
        @{
            Code    = 'Get-SyncedPerson | Test-MarketoUnsubscribe -Quiet -InformationVariable summary 6>$null | Out-Null; "$summary"'
            Remarks = 'Keeps the one-line summary ("2,000 checked: 1,840 safe, 160 unsubscribed, 0 not checked") in a variable instead of showing it.'
        }
    )
    Links       = @('Send-SalesActivity', 'Sync-SalesOptOut', 'Get-SyncedPerson')
}
