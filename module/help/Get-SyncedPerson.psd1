@{
    Synopsis    = 'Gets synced people from the local SalesSync database.'
    Description = @(
        'Get-SyncedPerson reads the people Start-SalesSync copied from Marketo: by Marketo id, by email, by any Salesforce id (lead, contact, account, opportunity or owner; a 15-character id also finds its 18-character form), by company or by owner, or everyone. Text filters are case-insensitive and take the wildcards * and ?; without a wildcard they use an index. -Duplicate keeps only people who share their email with another synced person (Marketo keeps same-email records apart, and so does SalesSync).'
        'It streams: people are read from the database 500 at a time and no read cursor stays open while they go down the pipeline, so a later command in the same pipeline may write to the database. -First, -Skip and -IncludeTotalCount page the results.'
        'The objects (SalesSync.SyncedPerson) bind by property name (MarketoId, Email) to later SalesSync cmdlets. An exact -MarketoId or -Email that finds nobody writes a non-terminating SyncedPersonNotFound error (ObjectNotFound) per missing id or email; wildcard and filter lookups that find nobody write nothing.'
    )
    Parameters  = @{
        MarketoId    = 'One or more Marketo lead ids. Also taken from the pipeline by property name (MarketoId or Id).'
        Email        = 'An email address or pattern, for example *@acme.com. Case-insensitive.'
        SalesforceId = 'A Salesforce lead, contact, account, opportunity or owner id, 15 or 18 characters.'
        Company      = 'A company name or pattern, for example Acme*. Case-insensitive.'
        SalesOwnerId = 'The Salesforce user id of the sales owner, or a pattern.'
        Duplicate    = 'Only people whose email another synced person also has.'
        First             = 'Writes only the first N people (after -Skip).'
        Skip              = 'Skips the first N people.'
        IncludeTotalCount = 'Writes the total number of people the filters select before the people themselves.'
    }
    Inputs      = 'Objects with a MarketoId (or Id) property, for example from Import-Csv.'
    Outputs     = @{ Type = 'SalesSync.SyncedPerson'; Description = 'MarketoId, FirstName, LastName, Email, Company, Title, Phone, LinkedInUrl, Source, SalesforceType, SalesforceLeadId, SalesforceContactId, SalesforceAccountId, SalesforceOpportunityId, SalesOwnerId, Unsubscribed, MarketoUpdatedAt (Marketo''s updatedAt as last fetched: an incremental run fetches a person when a synced field, the Salesforce type or owner, or the unsubscribe flag changes, not for changes to other fields), SyncedAt.' }
    Notes       = @('Nobody edits people through SalesSync: the database follows Marketo.')
    Examples    = @(
        @{ Code = 'Get-SyncedPerson -Email *@acme.com | Format-Table'; Remarks = 'Everyone at acme.com, in the default table view.' }
        @{ Code = 'Get-SyncedPerson -SalesforceId 0035g00000AbCdE'; Remarks = 'The person whose contact (or lead, account, opportunity, owner) has this id; the 15-character form finds the 18-character one.' }
        @{ Code = 'Get-SyncedPerson -Duplicate | Group-Object Email | Sort-Object Count -Descending'; Remarks = 'Emails shared by more than one Marketo record, most shared first.' }
        @{ Code = 'Import-Csv ./ids.csv | Get-SyncedPerson -First 10'; Remarks = 'Looks up the MarketoId column of a CSV file and writes the first 10 people found.' }
    )
    Links       = @('Start-SalesSync', 'Get-SalesSyncRun')
}
