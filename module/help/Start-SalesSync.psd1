@{
    Synopsis    = 'Copies the sales-owned Marketo people into the local SalesSync database.'
    Description = @(
        'Start-SalesSync copies every Marketo person with a Salesforce sales owner (Salesforce type Lead or Contact, and an owner) into the local database, with 13 fixed fields and, when Salesforce is connected, each contact''s opportunity (the primary OpportunityContactRole, else the one whose opportunity changed last). At the end of a complete full pass it removes the people it did not see: people who lost their owner, their Salesforce type, or were deleted or merged away.'
        'A full pass has three sources. Bulk (the default) uses Marketo''s Bulk Lead Extract: with -SmartListId one export job of that list, with -StaticListId one job per list; otherwise createdAt windows of at most 31 days from the oldest person (found in about one call) to now, one job each, at most two of them in Marketo''s queue at once (the queue of ten is shared with other integrations: a full queue is waited out). Job status is read every -ExportPollSeconds (Marketo refreshes it at most every 60 s); files are downloaded beside the database in byte ranges (a dropped connection resumes where it stopped), checked against their sha256, read by a real CSV parser row by row and deleted once applied. -Method Rest -StaticListId pages the lists, 300 per call: one list is sequential (each page''s token comes from the one before, so at a real instance''s ~1 s per page it reads about 300 people/s); several lists (say one per sales region) are paged side by side, one page of each in flight, so five or more lists reach the rate limit (1,500 people/s at 100 calls/20 s). A person in two lists is written and counted once; so is a person a resumed run applies again (after a crash or kill the counters may therefore fall a little short of the people written). A full pass that finds nobody while the database holds people (a wrong list id, say) removes nobody and fails with a message. -Method Rest without a list scans Marketo ids in blocks of 300, as many blocks in flight as the connection''s share of the concurrency limit, so the rate limit rather than the response time bounds it (one call per 300 ids, deleted and marketing-only ids included).'
        'Every step is a checkpoint: after Ctrl+C, a quota stop (607, or the daily export quota; both reset at midnight US Central), a failure, -MaxApiCalls or a killed process, the next Start-SalesSync resumes: finished windows are not exported again, a completed job''s file is reused while Marketo serves it, pages and id blocks already applied are not read again. -Full starts a new pass instead; export jobs the abandoned run still had queued or processing in Marketo are cancelled first, so they do not hold places in the queue of ten that other integrations share.'
        'After a completed run, Start-SalesSync runs incrementally: it reads Marketo''s activity log from the last run''s watermarks (New Lead and Change Data Value of the synced fields and of sfdcType, sfdcLeadOwnerId and unsubscribed; Merge Leads; deleted leads), fetches the touched people by id, 300 per call, keeps the eligible ones and removes the others, and refreshes the opportunity of contacts whose OpportunityContactRole changed in Salesforce (SystemModstamp; deleted roles too). Its cost grows with the changes, not with the database. Eligibility is always the rule (type and owner): a list only narrows what a full pass reads, so the list should hold every sales-owned person. -Full forces a full pass, and so does a watermark older than the 14 days Marketo keeps deleted leads (a warning says so).'
        'When Salesforce is connected, the opt-out step follows the people step (as Sync-SalesOptOut runs it; -SkipOptOut leaves it out): Salesforce Email Opt Out changes are read in by SystemModstamp, and people unsubscribed in Marketo get Email Opt Out on their Salesforce contact or lead (Sforce-Auto-Assign: FALSE, so owners never change). Nothing is written to Marketo. Then activities left pending are delivered.'
        '-WhatIf shows the plan and the estimated calls without calling Marketo, creating export jobs or writing anything. Progress shows the phase (persons, persons/s, Marketo calls against today''s budget) with the current window or page nested under it. The output is one run object (mode, strategy, added, updated, removed, unchanged, calls per service, bulk bytes, duration, status, message); -PassThru also writes each changed person. ErrorIds: SmartListNeedsBulk, SyncAlreadyRunning, SyncFailed (non-terminating; the run resumes), NotConnected.'
    )
    Parameters  = @{
        StaticListId      = 'The ids of one or more Marketo static lists that together hold the sales-owned people (Lead Database > list > id in the URL). Bulk: one export job per list. Rest: the lists are paged side by side, 300 per call. People in none of the lists are removed at the end of a complete pass. A stopped run resumes only with the same lists (in any order).'
        SmartListId       = 'The id of a Marketo smart list of the sales-owned people (for example "SFDC Type is Lead or Contact and Lead Owner is not empty"): one export job. Bulk only; some subscriptions refuse smart-list exports (1035).'
        Method            = 'How a full pass reads people. Bulk (default): export jobs. Rest: a static list''s pages, or without a list Marketo ids in blocks of 300 with several calls in flight.'
        CreatedSince      = 'Bulk without a list: the createdAt windows start here instead of at the oldest person in Marketo.'
        ExportPollSeconds = 'Seconds between reads of an export job''s status (default 60; Marketo refreshes status at most every 60 s, so a shorter interval only spends calls, unless the instance is a sandbox set to refresh faster).'
        Full              = 'Starts a new full pass even when an unfinished run could be resumed or an incremental run would do.'
        MaxApiCalls       = 'Stops the run, resumably, once this invocation has made this many Marketo calls (for example to leave the rest of the day''s quota to other integrations); full and incremental runs alike. The next Start-SalesSync continues from there with a budget of its own.'
        SkipOptOut        = 'Leaves out the opt-out step (see Sync-SalesOptOut) that otherwise follows the people step when Salesforce is connected: Salesforce Email Opt Out changes read in, Marketo unsubscribes set as Email Opt Out in Salesforce.'
        PassThru          = 'Also writes each opt-out change (SalesSync.OptOutChange), and each added, updated or removed person (SalesSync.SyncedPersonChange: Change, MarketoId, Email, Person) as the sync applies it.'
    }
    Inputs      = 'None. You cannot pipe objects to Start-SalesSync.'
    Outputs     = @{ Type = 'SalesSync.SyncRun'; Description = 'The run: RunId, Mode, Strategy, Status (Completed, Stopped, Failed), Added, Updated, Removed, Unchanged, MarketoCalls, SalesforceCalls, PagesDone, Duration and Message. With -PassThru, SalesSync.SyncedPersonChange objects stream first, then the opt-out step''s SalesSync.OptOutChange objects; the run object always comes last.' }
    Notes       = @('Run it from one process at a time per database: a second process cannot open the database (DatabaseInUse), and a second sync in the same process gets SyncAlreadyRunning.')
    Examples    = @(
        @{
            Code    = 'Connect-SalesSync -FromEnvironment
Start-SalesSync -Verbose'
            Remarks = 'The first run exports every person in createdAt windows and keeps the sales-owned ones, showing each call, job and retry; later runs are incremental.'
        }
        @{
            Code    = 'Start-SalesSync -SmartListId 2001 -PassThru | Where-Object Change -EQ Added'
            Remarks = 'Exports the smart list of sales-owned people in one bulk job and lists the people the run added.'
        }
        @{
            Code    = 'Start-SalesSync -WhatIf'
            Remarks = 'Shows what a run would do and about how many calls it would cost, without calling Marketo or writing to the database.'
        }
        @{
            Code    = 'Start-SalesSync -Method Rest -StaticListId 1011, 1012, 1013, 1014, 1015, 1016'
            Remarks = 'Pages six static lists (one per sales region) side by side: six pages in flight instead of one, so the run is bounded by the rate limit rather than by Marketo''s response time.'
        }
        @{
            Code    = 'Start-SalesSync -Method Rest -StaticListId 1001 -MaxApiCalls 200 -PassThru | Where-Object Change -EQ Removed'
            Remarks = 'Spends at most 200 Marketo calls (a later run resumes), and lists the people the run removed.'
        }
    )
    Links       = @('Get-SyncedPerson', 'Get-SalesSyncRun', 'Connect-SalesSync')
}
