using System.Management.Automation;
using SalesSync.Core.Activities;
using SalesSync.Core.Http;
using SalesSync.PowerShell.Base;
using CoreKind = SalesSync.Core.Activities.SalesActivityKind;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Logs sales activities to Marketo (custom activities) and, for the kinds the admin enabled, to Salesforce
/// (completed Tasks). Each item is checked against the synced people, stored before anything is sent, and
/// sent in the batches the APIs take across the whole pipeline (Marketo 300, Salesforce 200).
/// </summary>
[Cmdlet(VerbsCommunications.Send, "SalesActivity", SupportsShouldProcess = true)]
[OutputType(typeof(SalesActivity))]
public sealed class SendSalesActivityCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The kind, as text so an unknown one in a CSV row is that row's clear error (UnknownKind); tab-completes.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SalesActivityKindCompleter))]
    public string Kind { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [EmptyAsNull]
    public long? MarketoId { get; set; }

    /// <summary>Your own id for the activity: an id already logged is skipped, so a CSV can be sent again safely.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ActivityId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? Email { get; set; }

    /// <summary>When it happened (default: now); past activities can be backfilled.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    /// <remarks>Taken as any object and read here: a malformed date in a CSV row must be that row's error, not silently "now".</remarks>
    [Alias("ActivityDate", "Date")]
    [EmptyAsNull]
    public object? OccurredAt { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Subject { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? SentBy { get; set; }

    /// <summary>
    /// The glossary's "Source" (the sending app). A CSV's Source column binds to it; a synced person's Source (its
    /// lead source) is ignored unless -ActivitySource is given.
    /// </summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Source")]
    public string? ActivitySource { get; set; }

    /// <summary>The pipeline object itself (hidden): tells a synced person, whose Source is its lead source, from a CSV row.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    private bool _sourceOnCommandLine;
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? SalesPersonId { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? TemplateId { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? TemplateName { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? TemplateUrl { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CampaignName { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CampaignId { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CampaignUrl { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? Link { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? BounceDetails { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? BounceEmail { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? ReceivedBy { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CallStatus { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CallOutcome { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? PhoneNumber { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? DurationSeconds { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? RecordingUrl { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? AnsweredBy { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ActivityLogger? _logger;
    private Core.Unsubscribes.SendGuard? _guard;
    private bool _guardOffWarned;
    // Sent emails stored Held while their Marketo unsubscribe check is outstanding (300 emails per call, like the batches).
    private readonly List<(Core.Activities.SalesActivity Activity, PSObject Target)> _awaitingCheck = [];
    // Stored and not yet reported (settled deliveries are reported, and passed through, as they happen).
    private readonly List<string> _logged = [];
    private int _storedSinceDelivery;
    private int _deferred;
    private string? _deferredWhy;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _sourceOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(ActivitySource)); // pipeline values are not bound yet
        _logger = Session.CreateActivityLogger();
        if (_logger.Settings.UnsubscribeGuard) _guard = Session.CreateSendGuard();
        // Fail before the pipeline is read when the custom activity types are missing (4 calls; none with -WhatIf).
        if (!WhatIfRequested)
        {
            try
            {
                RunEngine(ct => _logger.EnsureTypesAsync(ct));
            }
            catch (SalesActivityException e) when (e.Reason == ActivityFailureReason.TypesNotInstalled)
            {
                ThrowTerminatingError(new ErrorRecord(e, "ActivityTypesNotInstalled", ErrorCategory.NotInstalled, null)
                {
                    ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Run Install-SalesActivityType (try -WhatIf first), then send again." },
                });
            }
        }
    }

    protected override void ProcessRecord()
    {
        // A plain value piped in (a line of a text file, a number) has no activity's properties: each is an error,
        // as before the hidden InputObject parameter made it bindable.
        if (InputObject?.BaseObject is string or ValueType)
        {
            WriteError(new ErrorRecord(new ArgumentException($"'{InputObject}' is not an activity: pipe objects with Kind, MarketoId or Email properties (CSV rows, synced people)."),
                "InputNotAnActivity", ErrorCategory.InvalidArgument, InputObject));
            return;
        }
        var target = new PSObject();
        target.Properties.Add(new PSNoteProperty("Kind", Kind));
        target.Properties.Add(new PSNoteProperty("MarketoId", MarketoId));
        target.Properties.Add(new PSNoteProperty("Email", Email));
        if (!Enum.TryParse<SalesActivityKind>(Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            WriteError(new ErrorRecord(new ArgumentException($"'{Kind}' is not a sales activity kind; use {string.Join(", ", Enum.GetNames<SalesActivityKind>())}."),
                "UnknownKind", ErrorCategory.InvalidArgument, target));
            return;
        }
        if (!string.IsNullOrEmpty(ActivityId) && _logger!.IsLogged(ActivityId))
        {
            WriteVerbose($"Activity {ActivityId} is already logged; skipped.");
            return;
        }
        var request = new ActivityRequest
        {
            ActivityId = string.IsNullOrEmpty(ActivityId) ? null : ActivityId,
            Kind = (CoreKind)(int)kind,
            MarketoId = MarketoId,
            Email = Email,
            OccurredAt = null,
            Attributes = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                ["subject"] = Subject, ["sentBy"] = SentBy, ["source"] = IsSyncedPerson(InputObject) && !_sourceOnCommandLine ? null : ActivitySource, ["salesPersonId"] = SalesPersonId,
                ["templateId"] = TemplateId, ["templateName"] = TemplateName, ["templateUrl"] = TemplateUrl,
                ["campaignName"] = CampaignName, ["campaignId"] = CampaignId, ["campaignUrl"] = CampaignUrl,
                ["link"] = Link, ["bounceDetails"] = BounceDetails, ["bounceEmail"] = BounceEmail, ["receivedBy"] = ReceivedBy,
                ["callStatus"] = CallStatus, ["callOutcome"] = CallOutcome, ["phoneNumber"] = PhoneNumber, ["durationSeconds"] = DurationSeconds,
                ["recordingUrl"] = RecordingUrl, ["answeredBy"] = AnsweredBy,
            },
        };
        Core.Activities.SalesActivity activity;
        try
        {
            request = request with { OccurredAt = ReadTime(OccurredAt) };
            activity = _logger!.Prepare(request, DateTimeOffset.UtcNow);
        }
        catch (SalesActivityException e)
        {
            WriteError(new ErrorRecord(e, e.Reason.ToString(), Category(e.Reason), target));
            return;
        }
        var destinations = activity.Salesforce.State == DeliveryState.Pending ? "Marketo and Salesforce" : "Marketo";
        var checkedFirst = _guard is not null && Core.Unsubscribes.SendGuard.Applies(activity.Kind) ? ", once Marketo confirms the address is not unsubscribed" : "";
        if (!ShouldProcess($"Marketo person {activity.MarketoId} ({activity.Email})", $"Log {kind} to {destinations}{checkedFirst}")) return;
        if (_guard is null)
        {
            if (Core.Unsubscribes.SendGuard.Applies(activity.Kind) && !_guardOffWarned)
            {
                _guardOffWarned = true;
                var settings = _logger!.Settings;
                WriteWarning($"The unsubscribe guard is off (turned off {settings.GuardChangedAt:u} by {settings.GuardChangedBy ?? "an admin"}): sent emails are logged without checking Marketo unsubscribes or Salesforce opt-outs. Set-SalesActivitySetting -UnsubscribeGuard $true turns it on.");
            }
            Admit(activity);
            return;
        }
        switch (_guard.Screen(activity))
        {
            case null:
                _logger!.Hold(activity); // stored before anything else, so a crash loses nothing; never sent while held
                _awaitingCheck.Add((activity, target));
                if (_guard.PendingChecks >= Core.Unsubscribes.UnsubscribeLookup.BatchSize) CheckAwaiting(all: false);
                else if (_awaitingCheck.Count >= 5 * Core.Unsubscribes.UnsubscribeLookup.BatchSize) CheckAwaiting(all: true); // repeats of a few addresses
                break;
            case { Allowed: true }:
                Admit(activity);
                break;
            case { ErrorId: "UnsubscribeCheckFailed" } notChecked:
                // Marketo cannot answer now: stored held, never sent unchecked; the next delivery checks it again.
                _logger!.Hold(activity);
                _logger.Abandon([activity.ActivityId]);
                _deferred++;
                _deferredWhy = notChecked.Verdict?.FailureMessage;
                break;
            case var refused:
                Refuse(refused, target);
                break;
        }
    }

    protected override void EndProcessing()
    {
        // -WhatIf stores nothing and sends nothing, not even what earlier runs left pending.
        if (WhatIfRequested) return;
        CheckAwaiting(all: true);
        if (_deferred > 0)
            WriteWarning($"{_deferred} sent emails could not be checked for unsubscribes now ({_deferredWhy}). They are stored as Held and never sent " +
                         "unchecked: the next Send-SalesActivity, Sync-SalesActivity or Start-SalesSync checks them again and delivers the ones allowed. Do not send them again.");
        Flush(all: true);
    }

    /// <summary>Stores the activity at once (a stop or a crash loses nothing accepted); sends when a batch has filled.</summary>
    private void Admit(Core.Activities.SalesActivity activity)
    {
        _logger!.Store([activity]);
        Accepted(activity.ActivityId);
    }

    private void Accepted(string activityId)
    {
        _logged.Add(activityId);
        if (++_storedSinceDelivery >= ActivityLogger.BatchSize) Flush(all: false);
    }

    /// <summary>Runs the queued Marketo checks (a full batch, or all at the end) and admits or refuses what they answer.</summary>
    private void CheckAwaiting(bool all)
    {
        if (_guard is null || _awaitingCheck.Count == 0) return;
        RunEngine(ct => _guard.FlushAsync(all, ct));
        // Decided in order; the first still queued one and those behind it wait, so the order holds.
        var decided = _awaitingCheck.Select(w => (w.Activity, w.Target, Decision: _guard.Decide(w.Activity)))
            .TakeWhile(d => d.Decision is not null).ToList();
        _awaitingCheck.RemoveRange(0, decided.Count);
        var allowed = decided.Where(d => d.Decision!.Allowed).ToList();
        // Not checkable now (an outage, the quota): kept held, never sent, checked again by the next delivery.
        var deferred = decided.Where(d => d.Decision!.ErrorId == "UnsubscribeCheckFailed").ToList();
        var refused = decided.Where(d => d.Decision is { Allowed: false, ErrorId: not "UnsubscribeCheckFailed" }).ToList();
        _logger!.Release(allowed.Select(d => d.Activity.ActivityId).ToList());
        _logger.Discard(refused.Select(d => d.Activity.ActivityId).ToList());
        _logger.Abandon(deferred.Select(d => d.Activity.ActivityId).ToList());
        foreach (var (_, target, decision) in refused) Refuse(decision!, target);
        _deferred += deferred.Count;
        if (deferred.Count > 0) _deferredWhy = deferred[0].Decision!.Verdict?.FailureMessage;
        foreach (var (activity, _, _) in allowed) Accepted(activity.ActivityId);
    }

    private void Refuse(Core.Unsubscribes.GuardDecision decision, PSObject target)
    {
        var category = decision.ErrorId switch
        {
            "UnsubscribeCheckFailed" => ErrorCategory.ConnectionError,
            "NoEmailToCheck" or "InvalidEmail" or "EmailChangedInMarketo" => ErrorCategory.InvalidData,
            _ => ErrorCategory.PermissionDenied,
        };
        WriteError(new ErrorRecord(new InvalidOperationException(decision.Message), decision.ErrorId, category, target)
        {
            ErrorDetails = new ErrorDetails(decision.Message)
            {
                RecommendedAction = decision.ErrorId switch
                {
                    "UnsubscribeCheckFailed" => "Send it again once Marketo answers; nothing was logged.",
                    "EmailChangedInMarketo" => "Run Start-SalesSync, then send it again; nothing was logged.",
                    "NoEmailToCheck" or "InvalidEmail" => "Fix the person's email in Marketo (or the CRM) and sync; nothing was logged.",
                    _ => "Do not email this person. Nothing was logged.",
                },
            },
        });
    }

    /// <summary>
    /// Ctrl+C: every accepted activity is already stored (pending); sent emails still held for their check are
    /// left to the next delivery, which checks them again before anything is sent.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _awaitingCheck.Count > 0 && _logger is not null)
        {
            _logger.Abandon(_awaitingCheck.Select(w => w.Activity.ActivityId).ToList());
            _awaitingCheck.Clear();
        }
        base.Dispose(disposing);
    }

    /// <summary>Sends what fills a batch (or everything at the end) and reports the activities whose delivery settled.</summary>
    private void Flush(bool all)
    {
        if (_logger is null || (_storedSinceDelivery == 0 && !all)) return;
        _storedSinceDelivery = 0;
        DeliveryReport report;
        try
        {
            report = RunEngine(async ct =>
            {
                var r = await _logger.DeliverAsync(all: false, ct).ConfigureAwait(false);
                return all ? r + await _logger.FlushAsync(ct).ConfigureAwait(false) : r;
            });
        }
        catch (SalesSyncApiException e)
        {
            // The service refused outright (credentials, permissions): the activities stay stored and pending.
            ThrowTerminatingError(new ErrorRecord(e, "ActivityDeliveryRefused", ErrorCategory.PermissionDenied, null)
            {
                ErrorDetails = new ErrorDetails($"{e.Message} The activities stay pending; Sync-SalesActivity delivers them once the cause is fixed."),
            });
            return;
        }
        WriteVerbose($"Marketo: {report.MarketoDelivered} delivered, {report.MarketoFailed} failed; Salesforce: {report.SalesforceDelivered} delivered, {report.SalesforceFailed} failed; {report.StillPending} pending in the outbox.");
        // Report (and pass through) the activities whose delivery is settled; the rest when everything is flushed.
        var current = _logger.Current(_logged);
        var settled = current.Where(a => all || !(Unsettled(a.Marketo) || Unsettled(a.Salesforce))).ToList();
        foreach (var activity in settled)
        {
            foreach (var (side, delivery) in new[] { ("Marketo", activity.Marketo), ("Salesforce", activity.Salesforce) })
                if (delivery.State == DeliveryState.Failed)
                    WriteError(new ErrorRecord(new InvalidOperationException($"{side} refused activity {activity.ActivityId} ({activity.Kind} for Marketo person {activity.MarketoId}): {delivery.Reason}"),
                        $"ActivityRefusedBy{side}", ErrorCategory.InvalidData, SalesActivity.From(activity)));
            if (PassThru) WriteObject(SalesActivity.From(activity));
        }
        var done = settled.Select(a => a.ActivityId).ToHashSet(StringComparer.Ordinal);
        _logged.RemoveAll(done.Contains);
        if (all && report.StoppedBecause is { } why)
            WriteWarning($"{why} {report.StillPending} activities stay pending in the outbox; the next Send-SalesActivity, Sync-SalesActivity or Start-SalesSync delivers them.");
    }

    /// <summary>A date from a parameter or a CSV column: DateTime, DateTimeOffset or text (ISO 8601, or the current culture's form).</summary>
    private static DateTimeOffset? ReadTime(object? value)
    {
        switch (value is PSObject wrapped ? wrapped.BaseObject : value)
        {
            case null: return null;
            case DateTimeOffset offset: return offset;
            case DateTime at: return LocalTime.ToOffset(at);
            case string text when DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeLocal, out var parsed)
                                  || DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.CurrentCulture, System.Globalization.DateTimeStyles.AssumeLocal, out parsed):
                return parsed;
            case var other:
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"OccurredAt '{other}' is not a date and time (for example 2026-11-01T10:00:00Z).");
        }
    }

    private static bool IsSyncedPerson(PSObject? input) =>
        input is not null && input.TypeNames.Any(t => t.EndsWith("SalesSync.SyncedPerson", StringComparison.Ordinal));

    private static bool Unsettled(Delivery d) => d.State is DeliveryState.Pending or DeliveryState.Held or DeliveryState.Sending;

    private static ErrorCategory Category(ActivityFailureReason reason) => reason switch
    {
        ActivityFailureReason.PersonNotSynced => ErrorCategory.ObjectNotFound,
        ActivityFailureReason.AmbiguousEmail => ErrorCategory.InvalidArgument,
        ActivityFailureReason.ValueTooLong => ErrorCategory.LimitsExceeded,
        ActivityFailureReason.TypesNotInstalled => ErrorCategory.NotInstalled,
        _ => ErrorCategory.InvalidArgument,
    };
}

/// <summary>Tab completion for -Kind: the eight kinds.</summary>
public sealed class SalesActivityKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        Enum.GetNames<SalesActivityKind>().Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
