@{
    Synopsis    = 'Gets synced people from the local SalesSync database.'
    Description = @(
        'Get-SyncedPerson reads the people Start-SalesSync copied from Marketo. Filters combine: every filter given must hold (for example -Company and -SalesOwnerId and -Duplicate together), and a filter given several values holds when any of them does. Without a filter it writes everyone, by Marketo id.'
        'Text filters (-Email, -Company, -SalesOwnerId, -SalesOwner) follow PowerShell''s wildcard rules, as -like does: * any run of characters, ? one character, [abc] or [a-c] one character of a set or range, and a backtick takes the next character literally (-Company ''Acme `[EU`]'' finds "Acme [EU]"; [WildcardPattern]::Escape() does this for you). A [ without its closing ] is an InvalidWildcardPattern error. -Email and -Company ignore case; -SalesOwnerId patterns are matched with case against the 18-character id (15-character ids are case-sensitive), while an exact 15- or 18-character -SalesOwnerId finds the same owner either way. A value without a wildcard is exact and uses an index.'
        'Emails are trimmed and compared without regard to case, by the same rule as Test-MarketoUnsubscribe: a value that is not an email address (and not a pattern) is an InvalidEmail error (InvalidArgument), terminating when given with -Email, per input when it came from the pipeline (the other inputs still go through). Emails come from the pipeline as strings, or by property name from objects with an Email, "Email Address" or EmailAddress property (the column names of Marketo''s list exports); objects with a MarketoId (or Id) property bind -MarketoId. An input with neither, or a blank email cell, is a NoEmail error (the name Test-MarketoUnsubscribe gives it).'
        'An exact -MarketoId or -Email (alone, with no other filter) that finds nobody writes a non-terminating SyncedPersonNotFound error (ObjectNotFound) per missing id or email, with the value as its target; pattern and filter lookups that find nobody write nothing. An owner id that is not 15 or 18 letters and digits is an InvalidSalesOwnerId error.'
        'Each person carries the owner''s name and email (SalesOwnerName, SalesOwnerEmail, SalesOwnerIsActive) as read from Salesforce Users by the sync: each run with Salesforce reads the owners of the people it sees (one query per 200 or so new owner ids), and a run without Salesforce keeps the names read before. A queue owner, or an owner no run has read yet, has no name. -SalesOwner finds people by their owner''s name or email.'
        'It streams: people are read from the database 500 at a time and no read cursor stays open while they go down the pipeline, so memory stays flat and a later command in the same pipeline may write to the database. -First, -Skip and -IncludeTotalCount page the results, across every pipeline input together; with pipeline input the total count comes after the people.'
    )
    Parameters  = @{
        MarketoId    = 'One or more Marketo lead ids. Also taken from the pipeline by property name (MarketoId or Id). Text with commas, such as ''1001,1002'' (a CSV column), is read as the ids 1001 and 1002; anything else in it is refused.'
        Email        = 'Email addresses or patterns, for example *@acme.com. Trimmed; any case. Also taken from the pipeline: strings, or objects with an Email, Email Address or EmailAddress property.'
        SalesforceId = 'A Salesforce lead, contact, account, opportunity or owner id, 15 or 18 characters. Given alone, finding nobody is a SyncedPersonNotFound error.'
        Company      = 'Company names or patterns, for example Acme* or [a-c]*. Case-insensitive.'
        SalesOwnerId = 'Salesforce user ids of the sales owner, 15 or 18 characters (a 15-character id finds the 18-character one), or patterns such as 0055g*.'
        SalesOwner   = 'Sales owners by name or email, or patterns (for example ''*Garcia'' or ''*@sales.example.com''), as the last sync with Salesforce read them.'
        Duplicate    = 'Only people whose email another synced person also has.'
        InputObject  = 'What is piped in (not for direct use): a string is taken as an email; other objects bind -MarketoId and -Email by property name.'
        First             = 'Writes only the first N people (after -Skip).'
        Skip              = 'Skips the first N people.'
        IncludeTotalCount = 'Writes the total number of people the filters select: before the people, or after them with pipeline input.'
    }
    Inputs      = 'System.String (email addresses), or objects with an Email, Email Address, EmailAddress, MarketoId or Id property, for example from Import-Csv.'
    Outputs     = @{ Type = 'SalesSync.SyncedPerson'; Description = 'MarketoId, Name (first and last name), FirstName, LastName, Email, Company, Title, Phone, LinkedInUrl, Source, SalesforceType, SalesforceLeadId, SalesforceContactId, SalesforceAccountId, SalesforceOpportunityId, SalesOwnerId, SalesOwnerName, SalesOwnerEmail, SalesOwnerIsActive, Unsubscribed, MarketoUpdatedAt (Marketo''s updatedAt as last fetched: an incremental run fetches a person when a synced field, the Salesforce type or owner, or the unsubscribe flag changes, not for changes to other fields), SyncedAt. Flat: Export-Csv and ConvertTo-Json keep every value, and every column of the default table is one of these properties.' }
    Notes       = @('Nobody edits people through SalesSync: the database follows Marketo. -First -1 is refused by PowerShell itself (paging counts cannot be negative).')
    Examples    = @(
        @{ Code = 'Get-SyncedPerson -Company ''[a-c]*'' -Email *@*.com -First 5'; Remarks = 'People whose company starts with A, B or C and whose email ends in .com: filters combine, and [a-c] is a range as in -like.' }
        @{ Code = 'Get-SyncedPerson -SalesOwner ''*'' -Duplicate | Group-Object SalesOwnerName | Sort-Object Count -Descending | Select-Object Name, Count'; Remarks = 'Same-email records, counted per owner name (read from Salesforce Users by the sync).' }
        @{ Code = 'Get-SyncedPerson -SalesOwnerId (Get-SyncedPerson -First 1).SalesOwnerId.Substring(0, 15) -IncludeTotalCount -First 3'; Remarks = 'A 15-character owner id finds the people of its 18-character id; the total comes first.' }
        @{ Code = 'Get-SyncedPerson -First 3 | Select-Object @{ Name = ''Email Address''; Expression = { $_.Email.ToUpper() } } | Get-SyncedPerson'; Remarks = 'Rows with an "Email Address" column, as in a Marketo list export, bind by property name; case does not matter.' }
        @{ Code = 'Get-SyncedPerson -SalesforceId 0035g00000AbCdE'; Remarks = 'The person whose contact (or lead, account, opportunity, owner) has this id; the 15-character form finds the 18-character one.' }
        @{ Code = 'Get-SyncedPerson -Duplicate | Export-Csv ./duplicates.csv -NoTypeInformation'; Remarks = 'Saves the people who share an email with another record, every property a column (owner name and email included).' }
    )
    Links       = @('Start-SalesSync', 'Get-MarketoList', 'Test-MarketoUnsubscribe', 'Get-SalesSyncRun')
}
