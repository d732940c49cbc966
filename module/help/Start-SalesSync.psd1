@{
    Synopsis    = 'Copies the sales-owned Marketo people into the local SalesSync database.'
    Description = @(
        'Start-SalesSync reads every member of a static list of the sales-owned people (the people with a Salesforce lead or contact owner) from Marketo by REST, 300 per call, as fast as the connection''s share of the Marketo rate limit allows. It keeps the eligible ones (Salesforce type Lead or Contact, and an owner) with 13 fixed fields, and, when Salesforce is connected, each contact''s opportunity (the primary OpportunityContactRole, else the one whose opportunity changed last). At the end of a complete pass it removes the people it did not see: people who left the list, lost their owner or were deleted.'
        'Every page is a checkpoint: after Ctrl+C, a quota stop (607, midnight US Central), a failure, -MaxApiCalls or even a killed process, the next Start-SalesSync resumes at the next page, and no page is fetched twice. -Full starts a new pass instead.'
        'After a completed run, Start-SalesSync runs incrementally: it reads Marketo''s activity log from the last run''s watermarks (New Lead and Change Data Value of the synced fields and of sfdcType, sfdcLeadOwnerId and unsubscribed; Merge Leads; deleted leads), fetches the touched people by id, 300 per call, keeps the eligible ones and removes the others, and refreshes the opportunity of contacts whose OpportunityContactRole changed in Salesforce (SystemModstamp; deleted roles too). Its cost grows with the changes, not with the database. In an incremental run eligibility is by fields alone (a person who gains an owner joins even outside the list). -Full forces a full pass, and so does a watermark older than the 14 days Marketo keeps deleted leads (a warning says so). The Bulk Lead Extract path is not available yet.'
        '-WhatIf shows the plan and the estimated calls without calling Marketo or writing anything. The output is one run object (added, updated, removed, unchanged, calls per service, status, message); -PassThru also writes each changed person. ErrorIds: StaticListRequired, SyncAlreadyRunning, SyncFailed (non-terminating; the run resumes), NotConnected.'
    )
    Parameters  = @{
        StaticListId = 'The id of the Marketo static list that holds the sales-owned people (Lead Database > list > id in the URL, or Get-MktoList). Required in this version.'
        Method       = 'How people are read. Rest: the list''s members by REST, 300 per call (the only method in this version).'
        Full         = 'Starts a new full pass even when an unfinished run could be resumed.'
        MaxApiCalls  = 'Stops the run, resumably, once this invocation has made this many Marketo calls (for example to leave the rest of the day''s quota to other integrations); full and incremental runs alike. The next Start-SalesSync continues from there with a budget of its own.'
        PassThru     = 'Also writes each added, updated or removed person (SalesSync.SyncedPersonChange: Change, MarketoId, Email, Person) as the sync applies it.'
    }
    Inputs      = 'None. You cannot pipe objects to Start-SalesSync.'
    Outputs     = @{ Type = 'SalesSync.SyncRun'; Description = 'The run: RunId, Mode, Strategy, Status (Completed, Stopped, Failed), Added, Updated, Removed, Unchanged, MarketoCalls, SalesforceCalls, PagesDone, Duration and Message. With -PassThru, SalesSync.SyncedPersonChange objects come first.' }
    Notes       = @('Run it from one process at a time per database: a second process cannot open the database (DatabaseInUse), and a second sync in the same process gets SyncAlreadyRunning.')
    Examples    = @(
        @{
            Code    = 'Connect-SalesSync -FromEnvironment
Start-SalesSync -StaticListId 1001 -Verbose'
            Remarks = 'Syncs the members of static list 1001, showing each call and retry, and writes the run summary.'
        }
        @{
            Code    = 'Start-SalesSync -StaticListId 1001 -WhatIf'
            Remarks = 'Shows what a run would do and about how many calls it would cost, without calling Marketo or writing to the database.'
        }
        @{
            Code    = 'Start-SalesSync -StaticListId 1001 -MaxApiCalls 200 -PassThru | Where-Object Change -EQ Removed'
            Remarks = 'Spends at most 200 Marketo calls (a later run resumes), and lists the people the run removed.'
        }
    )
    Links       = @('Get-SyncedPerson', 'Get-SalesSyncRun', 'Connect-SalesSync')
}
