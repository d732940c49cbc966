@{
    Synopsis    = 'Gets the history of SalesSync sync runs.'
    Description = @(
        'Get-SalesSyncRun lists the sync runs recorded in the database, newest first: mode, strategy, status, counts of added, updated, removed and unchanged people, the Marketo and Salesforce calls spent, duration and message.'
        'The objects are flat for Export-Csv and ConvertTo-Json: Status and Mode are strings, DurationSeconds is a number, and StaticLists holds the static list ids as one comma-separated string ("1011,1012") beside the StaticListId array. The default table fits 80 columns; every column is a property of the same name.'
        'The newest run tells where the next Start-SalesSync starts: a Stopped, Failed or Running (killed) run is resumed (bulk: the export windows not yet applied; REST: each static list from its own next page, PagesDone counting the pages of all lists; an id scan from id block PagesDone + 1); after a Completed run the next run is incremental. BulkBytes is what a bulk run downloaded.'
    )
    Parameters  = @{ Last = 'Only the newest N runs (1 or more). -First is an alias: the history is newest first, so the first N are the newest N.' }
    Inputs      = 'None. You cannot pipe objects to Get-SalesSyncRun.'
    Outputs     = @{ Type = 'SalesSync.SyncRun'; Description = 'One object per run.' }
    Notes       = @('Runs are kept in the database file, so the history belongs to the database, not to the PowerShell session.')
    Examples    = @(
        @{ Code = 'Get-SalesSyncRun -Last 5'; Remarks = 'The five most recent runs.' }
        @{ Code = 'Get-SalesSyncRun -First 20 | Export-Csv ./runs.csv -NoTypeInformation'; Remarks = 'The twenty most recent runs as CSV: every property is a plain value (StaticLists holds the list ids).' }
        @{ Code = 'Get-SalesSyncRun | Where-Object Status -NE Completed | Select-Object -First 1 -Property RunId, PagesDone, Message'; Remarks = 'The run the next Start-SalesSync will resume, if any.' }
    )
    Links       = @('Start-SalesSync', 'Get-SyncedPerson')
}
