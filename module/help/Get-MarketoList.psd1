@{
    Synopsis    = 'Lists Marketo''s static and smart lists, with their ids, to choose Start-SalesSync''s -StaticListId or -SmartListId.'
    Description = @(
        'Get-MarketoList reads list definitions from Marketo: static lists with the Lead Database''s Get Lists (GET /rest/v1/lists.json, 300 per call, following nextPageToken) and smart lists with the Asset API''s Get Smart Lists (GET /rest/asset/v1/smartLists.json, 200 per call by offset). One call per page of lists, none per list; -Id asks for those ids only (static lists: one call for up to 300 ids; smart lists: one call per id).'
        'Marketo''s list reads give no member count, so the output has no size: counting a static list''s members costs one call per 300 members (GET lists/{id}/leads.json), and Marketo''s REST API has no call that lists a smart list''s members at all (Start-SalesSync reads a smart list through a bulk export). Start-SalesSync -WhatIf estimates the calls of a list run.'
        'Static and smart lists have separate ids (both may have a list 1001): Type tells them apart. -Name filters by name with PowerShell''s wildcards (*, ?, [a-c]), ignoring case; a [ without its closing ] is an InvalidWildcardPattern error before any call. An -Id that no list of the kinds asked for has, or a -Name without wildcards that no list has, writes a MarketoListNotFound error (ObjectNotFound) per value; a pattern that matches nothing writes nothing. Smart lists need the API user''s Read-Only Assets permission; without it the command stops with MarketoAccessDenied (ask for -Type Static only).'
    )
    Parameters  = @{
        Type = 'Static, Smart, or both (the default).'
        Name = 'List names or patterns, for example ''Sales-Owned*''. Case-insensitive.'
        Id   = 'List ids: each is looked up among the kinds -Type asks for.'
    }
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.MarketoList'; Description = 'Type (Static or Smart), Id, Name, Description, ProgramName (static lists), FolderId and FolderType (smart lists: the folder or program they are in), Workspace, Url (smart lists), CreatedAt, UpdatedAt. Flat, for Export-Csv and ConvertTo-Json.' }
    Notes       = @('Each page is one Marketo call against the instance''s rate limit and daily quota. Nothing is written.')
    Examples    = @(
        @{ Code = 'Get-MarketoList'; Remarks = 'Every static and smart list, with its type and id.' }
        @{ Code = 'Get-MarketoList -Type Static -Name ''Sales-Owned*'' | Format-Table Id, Name, ProgramName'; Remarks = 'The static lists whose names start with Sales-Owned.' }
        @{ Code = 'Start-SalesSync -Method Rest -StaticListId (Get-MarketoList -Type Static -Name ''Sales-Owned People'').Id -WhatIf'; Remarks = 'Shows what a sync over the list named Sales-Owned People would do, the list chosen by name.' }
        @{ Code = 'Get-MarketoList -Type Smart -Id 1001, 1002 | Select-Object Id, Name, FolderType, UpdatedAt'; Remarks = 'Two smart lists by id, for Start-SalesSync -SmartListId.' }
    )
    Links       = @('Start-SalesSync', 'Get-SyncedPerson')
}
