@{
    Synopsis    = 'Logs sales activities (emails, calls, sales campaigns) to Marketo and, for the kinds the admin enables, to Salesforce as completed Tasks.'
    Description = @(
        'Send-SalesActivity logs one activity per input for a synced person (by -MarketoId, or by -Email when exactly one synced person has it). The eight kinds are EmailSent, EmailOpened, EmailClicked, EmailReplied, EmailBounced, CallReceived, AddedToCampaign and RemovedFromCampaign; each takes the attributes of Marketo''s sales activity glossary (subject, template, sales campaign, the seller who sent it, the link clicked, bounce details, call status, outcome, duration, number and recording, ...). The activity time defaults to now and may be in the past (backfill).'
        'In Marketo each activity is a custom activity of one of SalesSync''s three types (sales email, sales call, sales campaign; the action is an attribute), so smart lists can trigger and filter on them; run Install-SalesActivityType once first. The types are checked once per connection (4 calls), so a loop of single Send-SalesActivity calls costs about one Marketo call per activity (a sent email two: its unsubscribe check too), where a pipeline sends 300 per call; they are checked again when Marketo refuses one. Activities go 300 per call, batched across the whole pipeline. In Salesforce, the kinds chosen with Set-SalesActivitySetting (default: EmailSent, EmailReplied, CallReceived) become completed Tasks, 200 per call: WhoId the contact (else the lead; a converted lead''s contact), WhatId the opportunity or else the account (contacts only), owner the person''s sales owner (or, when that user is inactive, the fallback owner set with Set-SalesActivitySetting -FallbackTaskOwnerId; without one such a Task fails at once with ActivityRefusedBySalesforce INACTIVE_OWNER_OR_USER and a reason that says how to fix it), ActivityDate the day the activity happened in the owner''s time zone (the User''s TimeZoneSidKey; else the offset the time was given with), a subject such as "Email: <subject> [SS-...]" or "Call: <outcome> [SS-...]" ending with SalesSync''s activity id, and the details in the description.'
        'Every activity is stored in the database as soon as it is accepted from the pipeline, before anything is sent, with its state per destination (so even a killed process loses nothing it accepted; a plain value piped in is an InputNotAnActivity error). A crash, Ctrl+C, an outage or a spent quota loses nothing: during an outage of Marketo or Salesforce every valid activity is stored as pending (even when the activity types could not be checked) and the command ends with one warning; what stays pending is delivered by the next Send-SalesActivity, Sync-SalesActivity or Start-SalesSync. When the outcome of a call is unknown (a timeout, a dropped connection), SalesSync first looks up what arrived, matching SalesSync''s own activity id (Marketo: those people''s activities carrying the id, at most 100 calls per delivery; Salesforce: the Tasks of those people (WhoId) created since the send whose subject ends with the id, one query per 200), and sends only the rest, so nothing is logged twice. A caller ActivityId that another session logs at the same moment is that item''s DuplicateActivityId error.'
        'The unsubscribe guard (on unless Set-SalesActivitySetting -UnsubscribeGuard $false turned it off): before a sent sales email (EmailSent) is logged, the person is checked. It is refused, per item, when Salesforce has Email Opt Out on the person''s lead or contact (as last read by the opt-out step; ErrorId OptedOutInSalesforce), when Marketo says, live, that any record with the person''s email is unsubscribed (Unsubscribed), when Marketo refuses to look the address up at all (UnsubscribeUncheckable, for example an address shared by more than 1,000 records), when the person has no email or an invalid one (NoEmailToCheck, InvalidEmail), or when Marketo no longer has the person with that email (EmailChangedInMarketo: changed or deleted since the last sync; sync, then send again under a new ActivityId). A refused sent email is an email that already went out: it is kept on record with the state Refused and the reason (Get-SalesActivity -State Refused), and never delivered. The Marketo checks go 300 emails per call, like the activity batches. A sent email waiting for its check is stored as Held (never sent in that state); the check makes it pending or Refused. When Marketo cannot answer (an outage, the quota), it stays Held (fails closed) with a warning instead of an error; held ones left that way, or by Ctrl+C or a crash, are checked again, each on its own, by the next Send-SalesActivity (at its end), Sync-SalesActivity or Start-SalesSync, and delivered if allowed. Other kinds are not checked: they record what the person did. -WhatIf does not run the check.'
        'Each bad item is a non-terminating error and the others go on. ErrorIds: UnknownKind, PersonNotSynced (ObjectNotFound), DuplicateActivityId (ResourceExists), AmbiguousEmail, MissingPerson, MissingAttribute, UnknownAttribute, InvalidValue, ValueTooLong (LimitsExceeded), ActivityRefusedByMarketo, ActivityRefusedBySalesforce (with the service''s reason, for example 1004 or CANNOT_UPDATE_CONVERTED_LEAD); ActivityTypesNotInstalled (terminating, before any input is read). -WhatIf checks each item and stores and sends nothing.'
    )
    Parameters  = @{
        Kind            = 'EmailSent, EmailOpened, EmailClicked, EmailReplied, EmailBounced, CallReceived, AddedToCampaign or RemovedFromCampaign (tab-completes; any case). Also taken from the pipeline by property name (a Kind column); an unknown kind is that item''s UnknownKind error.'
        MarketoId       = 'The Marketo id of a synced person (from Get-SyncedPerson or a MarketoId column).'
        ActivityId      = 'Your own id for the activity (1 to 64 letters, digits, ., _, : or -), for example a CSV column: an id already logged is skipped, so after a crash the same file can be sent again and only the missing rows are logged. Without it SalesSync makes an id (SS- and 16 characters).'
        Email           = 'The email of a synced person, when -MarketoId is not given; several synced people with that email is an AmbiguousEmail error. Case-insensitive.'
        OccurredAt      = 'When the activity happened (default: now): a DateTime, a DateTimeOffset (its offset is kept), or text. Text is read as ISO 8601 first (2026-02-01, 2026-02-01T10:00:00Z), then in the current culture, as PowerShell binds dates (under en-GB "01/02/2026" is 1 February); a time without an offset is local time. Aliases ActivityDate, Date. Past times backfill; a time in the future is refused.'
        Subject         = 'The email subject (email kinds; required for all but calls and campaigns), or the call subject.'
        SentBy          = 'The seller who sent the email, made the call or changed the campaign.'
        InputObject     = 'Hidden (not for direct use): the pipeline object itself, so a synced person''s lead Source is not taken for the activity''s Source.'
        ActivitySource  = 'The glossary''s Source: the application that did it (for example "Sales App"). Alias Source, so a CSV''s Source column binds; a synced person''s own Source (its lead source) is ignored when SalesSync.SyncedPerson objects are piped in, unless -ActivitySource is given (people exported to a CSV and read back are plain rows: their Source column binds).'
        SalesPersonId   = 'The Marketo Sales Person ID of the seller.'
        TemplateId      = 'Email kinds: the sales template''s id.'
        TemplateName    = 'Email kinds: the sales template''s name.'
        TemplateUrl     = 'Email kinds: the sales template''s URL (http or https).'
        CampaignName    = 'The sales campaign''s name (required for AddedToCampaign and RemovedFromCampaign).'
        CampaignId      = 'The sales campaign''s id.'
        CampaignUrl     = 'The sales campaign''s URL.'
        Link            = 'EmailClicked: the link clicked (required).'
        BounceDetails   = 'EmailBounced: the bounce details.'
        BounceEmail     = 'EmailBounced: the address that bounced.'
        ReceivedBy      = 'EmailReplied: who received the reply.'
        CallStatus      = 'CallReceived: completed, no answer, cancelled or failed (required).'
        CallOutcome     = 'CallReceived: the outcome (it also names the Salesforce Task: "Call: <outcome>").'
        PhoneNumber     = 'CallReceived: the number called.'
        DurationSeconds = 'CallReceived: the duration in whole seconds.'
        RecordingUrl    = 'CallReceived: the recording''s URL.'
        AnsweredBy      = 'CallReceived: who answered.'
        PassThru        = 'Writes each activity (SalesSync.SalesActivity) with its state per destination once its delivery is settled.'
    }
    Inputs      = 'Objects with Kind, MarketoId or Email, and attribute properties named as the parameters, for example from Get-SyncedPerson (add Kind and Subject) or Import-Csv.'
    Outputs     = @{ Type = 'SalesSync.SalesActivity'; Description = 'With -PassThru: ActivityId, Kind, MarketoId, Email, OccurredAt, MarketoState, MarketoActivityId, SalesforceState, SalesforceTaskId, the reasons of failures, and Attributes.' }
    Notes       = @('Marketo allows 10 custom activity types and 20 attributes per type for all integrations together; SalesSync uses 3 types.', 'Activities are write-once in Marketo: they cannot be changed or removed after they arrive.')
    Examples    = @(
        @{
            Code    = 'Send-SalesActivity -Kind EmailSent -MarketoId 1001 -Subject ''Q3 pricing'' -SentBy ''ana@example.com'' -PassThru'
            Remarks = 'Logs one sent sales email to Marketo and Salesforce and shows where it landed.'
        }
        @{
            Code    = 'Import-Csv ./calls.csv | Send-SalesActivity -Kind CallReceived'
            Remarks = 'Logs every row of a CSV with MarketoId (or Email), CallStatus, CallOutcome and DurationSeconds columns; bad rows are errors, the others land.'
        }
        @{
            Code    = 'Get-SyncedPerson -Company Acme* | Send-SalesActivity -Kind AddedToCampaign -CampaignName ''Q4 Outreach'''
            Remarks = 'Adds everyone at Acme to a sales campaign in Marketo, 300 per call.'
        }
    )
    Links       = @('Install-SalesActivityType', 'Get-SalesActivity', 'Sync-SalesActivity', 'Set-SalesActivitySetting', 'Get-SyncedPerson')
}
