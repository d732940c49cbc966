@{
    Synopsis    = 'Gets the history of SalesSync sync runs.'
    Description = @(
        'Get-SalesSyncRun lists the sync runs recorded in the database, newest first: mode, strategy, whether the run was a watch poll, status, counts of added, updated, removed and unchanged people, the Marketo and Salesforce calls spent, duration and message.'
        'The objects are flat for Export-Csv and ConvertTo-Json: Status and Mode are strings, DurationSeconds is a number, and StaticLists holds the static list ids as one comma-separated string ("1011,1012") beside the StaticListId array. The default table fits 80 columns; every column is a property of the same name.'
        'The newest run tells where the next Start-SalesSync starts: a Stopped, Failed or Running (killed) run is resumed (bulk: the export windows not yet applied; REST: each static list from its own next page, PagesDone counting the pages of all lists; an id scan from id block PagesDone + 1); after a Completed run the next run is incremental. BulkBytes is what a bulk run downloaded.'
        'Start-SalesSync -Watch records one run per poll (1,440 a day at a 60-second interval), marked Watch = True. So that the list stays readable, Get-SalesSyncRun returns the newest 20 runs unless -Last N or -All says otherwise (with -Verbose it says how many there are), and -ExcludeWatch leaves the watch polls out. No run record is deleted.'
    )
    Parameters  = @{
        Last         = 'Only the newest N runs (1 or more); without -Last or -All, the newest 20. -First is an alias: the history is newest first, so the first N are the newest N.'
        All          = 'Every recorded run, however many (cannot be combined with -Last).'
        ExcludeWatch = 'Leaves out the runs of Start-SalesSync -Watch polls (Watch = True): full passes and runs started by hand or by a scheduler remain. Combines with -Last and -All.'
    }
    Inputs      = 'None. You cannot pipe objects to Get-SalesSyncRun.'
    Outputs     = @{ Type = 'SalesSync.SyncRun'; Description = 'One object per run.' }
    Notes       = @('Runs are kept in the database file, so the history belongs to the database, not to the PowerShell session.')
    Examples    = @(
        @{ Code = 'Get-SalesSyncRun -Last 5'; Remarks = 'The five most recent runs.' }
        @{ Code = 'Get-SalesSyncRun -First 20 | Export-Csv ./runs.csv -NoTypeInformation'; Remarks = 'The twenty most recent runs as CSV: every property is a plain value (StaticLists holds the list ids).' }
        @{ Code = 'Get-SalesSyncRun | Where-Object Status -NE Completed | Select-Object -First 1 -Property RunId, PagesDone, Message'; Remarks = 'The run the next Start-SalesSync will resume, if any.' }
        @{ Code = 'Get-SalesSyncRun -ExcludeWatch -Last 10'; Remarks = 'The ten most recent runs that were not watch polls: full passes and runs started by hand or by a scheduler.' }
        @{ Code = 'Get-SalesSyncRun -All | Where-Object Watch | Measure-Object MarketoCalls -Sum'; Remarks = 'Every watch poll ever recorded and the Marketo calls they spent together.' }
    )
    Links       = @('Start-SalesSync', 'Get-SyncedPerson')
}
