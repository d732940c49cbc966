using System.Management.Automation;
using SalesSync.Core.Activities;
using SalesSync.Core.Http;
using SalesSync.PowerShell.Base;

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
    /// <summary>The kind, as text so an unknown one in a CSV row is that row's clear error (UnknownKind); tab-completes; any case, trimmed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(SalesActivityKindCompleter))]
    public string Kind { get; set; } = "";

    /// <summary>Text, read here: 'abc' in a CSV row must be that row's InvalidValue, not a binding failure that leaves the row without a person.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [EmptyAsNull]
    public string? MarketoId { get; set; }

    /// <summary>Your own id for the activity: an id already logged is skipped, so a CSV can be sent again safely.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ActivityId { get; set; }

    /// <summary>'Email Address' and EmailAddress are the column names of Marketo's own list exports.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Email Address", "EmailAddress")]
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
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CallStatusCompleter))]
    public string? CallStatus { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? CallOutcome { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? PhoneNumber { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? DurationSeconds { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? RecordingUrl { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)] public string? AnsweredBy { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ActivityLogger? _logger;
    private bool _guardOffWarned;
    // Sent emails held while their Marketo unsubscribe check is queued: the pipeline object each came from, for its error.
    private readonly Dictionary<string, PSObject> _awaitingCheck = new(StringComparer.OrdinalIgnoreCase);
    // Stored and not yet reported (settled deliveries are reported, and passed through, as they happen).
    private readonly List<string> _logged = [];
    private int _storedSinceDelivery;
    private int _deferred;
    private string? _deferredWhy;
    // Why a delivery stopped (an outage, the quota): later batches of this pipeline are only stored, and one warning says so at the end.
    private string? _deliveryStopped;
    // For the summary: what became of this invocation's input.
    private readonly SendTally _tally = new();
    // Activities sent again with the same content: skipped, and said so once at the end (the first few named).
    private readonly List<string> _skipped = [];

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        _sourceOnCommandLine = MyInvocation.BoundParameters.ContainsKey(nameof(ActivitySource)); // pipeline values are not bound yet
        _logger = Session.CreateActivityLogger();
        _logger.Progress = new ActivityProgress("Send-SalesActivity");
        // Fail before the pipeline is read when the custom activity types are missing (checked once per connection;
        // none with -WhatIf). An outage must not stop anything being stored: the delivery checks the types again.
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
            catch (SalesSyncApiException e) when (e.Kind is not ApiFailureKind.Unauthorized)
            {
                _deliveryStopped = $"Marketo: could not check SalesSync's activity types ({e.Message}).";
                WriteVerbose($"{_deliveryStopped} Activities are stored and delivered once Marketo answers.");
            }
            catch (SalesSyncApiException e)
            {
                // Credentials or permissions: nothing can be delivered until an admin fixes them (never a .NET type name as ErrorId).
                ThrowTerminatingError(new ErrorRecord(e, "ActivityDeliveryRefused", ErrorCategory.PermissionDenied, null)
                {
                    ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Check the Marketo API user's credentials and its Read-Write Activity permission (Connect-SalesSync), then send again." },
                });
            }
        }
    }

    protected override void ProcessRecord()
    {
        // Progress written while a row is taken (accepted count) goes straight to this pipeline thread.
        using var observed = Core.Diagnostics.EngineObserver.Use(new PipelineObserver(write => write(this)));
        // A plain value piped in (a line of a text file, a number) has no activity's properties: each is an error,
        // as before the hidden InputObject parameter made it bindable.
        if (InputObject?.BaseObject is string or ValueType)
        {
            Bad(new ErrorRecord(new ArgumentException($"'{InputObject}' is not an activity: pipe objects with Kind, MarketoId or Email properties (CSV rows, synced people), or give -MarketoId or -Email."),
                "InputNotAnActivity", ErrorCategory.InvalidArgument, InputObject.BaseObject));
            return;
        }
        if (!SalesActivityKinds.TryParse(Kind, out var kind))
        {
            Bad(new ErrorRecord(new ArgumentException($"'{Kind}' is not a sales activity kind; use {string.Join(", ", Enum.GetNames<SalesActivityKind>())}."),
                "UnknownKind", ErrorCategory.InvalidArgument, Kind));
            return;
        }
        long? marketoId = null;
        if (MarketoId?.Trim() is { Length: > 0 } idText)
        {
            if (!long.TryParse(idText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                Bad(new ErrorRecord(new ArgumentException($"MarketoId '{idText}' is not a Marketo id: give the whole number Get-SyncedPerson shows (or an Email column instead)."),
                    "InvalidValue", ErrorCategory.InvalidArgument, MarketoId));
                return;
            }
            marketoId = parsed;
        }
        var request = new ActivityRequest
        {
            ActivityId = ActivityId,
            Kind = SalesActivityKinds.ToEngine(kind),
            MarketoId = marketoId,
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
        var target = new PSObject();
        target.Properties.Add(new PSNoteProperty("Kind", kind.ToString()));
        target.Properties.Add(new PSNoteProperty("MarketoId", marketoId));
        target.Properties.Add(new PSNoteProperty("Email", Email));
        Core.Activities.SalesActivity activity;
        try
        {
            request = request with { OccurredAt = ReadTime(OccurredAt) };
            activity = _logger!.Prepare(request, DateTimeOffset.UtcNow);
            if (!string.IsNullOrWhiteSpace(ActivityId) && _logger.AlreadyLogged(activity) is { } stored)
            {
                // The same activity again (a CSV sent twice, a rerun after a crash): nothing to do, said once at the end.
                WriteVerbose($"Activity {stored.ActivityId} is already logged with the same content (Marketo {stored.Marketo.State}, Salesforce {stored.Salesforce.State}); skipped.");
                _skipped.Add(stored.ActivityId);
                return;
            }
        }
        catch (SalesActivityException e)
        {
            // The offending value (an id, a date, an attribute's text) is the target; the whole row when the row lacks something.
            Bad(new ErrorRecord(e, e.Reason.ToString(), Category(e.Reason), e.Value ?? (object?)InputObject?.BaseObject ?? target)
            {
                ErrorDetails = new ErrorDetails(Row() + e.Message) { RecommendedAction = Advice(e.Reason) },
            });
            return;
        }
        var destinations = activity.Salesforce.State == DeliveryState.Pending ? "Marketo and Salesforce" : "Marketo";
        var guarded = Core.Unsubscribes.SendGuard.Applies(activity.Kind) && _logger!.GuardOn;
        var checkedFirst = guarded ? ", once Marketo confirms the address is not unsubscribed" : "";
        if (!ShouldProcess($"Marketo person {activity.MarketoId} ({activity.Email})", $"Log {kind} to {destinations}{checkedFirst}")) return;
        if (Core.Unsubscribes.SendGuard.Applies(activity.Kind) && !_logger!.GuardOn && !_guardOffWarned)
        {
            _guardOffWarned = true;
            var settings = _logger.Settings;
            WriteWarning($"The unsubscribe guard is off (turned off {settings.GuardChangedAt:u} by {settings.GuardChangedBy ?? "an admin"}): sent emails are logged without checking Marketo unsubscribes or Salesforce opt-outs. Set-SalesActivitySetting -UnsubscribeGuard $true turns it on.");
        }
        // The engine applies the send guard and stores the activity before anything is sent, so a crash loses nothing.
        Submission submitted;
        try
        {
            submitted = _logger!.Submit(activity);
        }
        catch (Exception e) when (IsLocalFailure(e))
        {
            // Storing runs on the pipeline thread (not through RunEngine): the same stable ErrorIds for a disk or database failure.
            ThrowTerminatingError(new ErrorRecord(e, e is IOException or UnauthorizedAccessException ? "LocalFileError" : "DatabaseError", ErrorCategory.WriteError, activity.ActivityId)
            {
                ErrorDetails = new ErrorDetails($"Send-SalesActivity stopped on a local error: {e.Message}") { RecommendedAction = LocalFailureAdvice },
            });
            return;
        }
        catch (SalesActivityException e)
        {
            Bad(new ErrorRecord(e, e.Reason.ToString(), ErrorCategory.ResourceExists, activity.ActivityId));
            return;
        }
        _logger.Progress?.Accepted();
        _tally.Accepted++;
        switch (submitted.Outcome)
        {
            case SubmitOutcome.Held:
                _awaitingCheck[activity.ActivityId] = target;
                if (_logger.ChecksDue) CheckAwaiting(all: false);
                break;
            case SubmitOutcome.Stored:
                Accepted(activity.ActivityId);
                break;
            case SubmitOutcome.Deferred:
                Deferred(submitted.Decision!);
                break;
            default:
                Refuse(submitted.Decision!, target);
                break;
        }
    }

    protected override void EndProcessing()
    {
        // -WhatIf stores nothing and sends nothing, not even what earlier runs left pending.
        if (WhatIfRequested) return;
        CheckAwaiting(all: true);
        Flush(all: true);
        // One warning for everything this pipeline could not finish (an outage, the quota): nothing accepted is lost.
        var unfinished = new List<string>();
        if (_deferred > 0)
            unfinished.Add($"{_deferred} sent emails could not be checked for unsubscribes now ({_deferredWhy}); they are stored as Held and never sent unchecked.");
        if (_deliveryStopped is { } why)
            unfinished.Add($"{why} {Session.PendingActivityCount} activity deliveries stay pending in the outbox.");
        if (unfinished.Count > 0)
            WriteWarning(string.Join(" ", unfinished) + " The next Send-SalesActivity, Sync-SalesActivity or Start-SalesSync delivers them (checking held emails first). Do not send them again.");
        if (_skipped.Count > 0)
            WriteWarning(_skipped.Count == 1
                ? $"Activity {_skipped[0]} is already logged with the same content; skipped (Get-SalesActivity -ActivityId {_skipped[0]} shows it)."
                : $"{_skipped.Count:N0} activities are already logged with the same content and were skipped ({string.Join(", ", _skipped.Take(3))}{(_skipped.Count > 3 ? ", ..." : "")}).");
        using (Core.Diagnostics.EngineObserver.Use(new PipelineObserver(write => write(this)))) _logger?.Progress?.Complete();
        _tally.Skipped = _skipped.Count;
        WriteSummary(_tally.Summary());
    }

    /// <summary>
    /// Which piped row an error is about ("Row with ActivityId 'crm-7': "), so a CSV's errors can be found in the file;
    /// empty for a command line's own values.
    /// </summary>
    private string Row()
    {
        if (InputObject is null) return "";
        if (ActivityId?.Trim() is { Length: > 0 } id) return $"Row with ActivityId '{id}': ";
        if (MarketoId?.Trim() is { Length: > 0 } marketoId) return $"Row for MarketoId {marketoId}: ";
        return Email?.Trim() is { Length: > 0 } email ? $"Row for Email {email}: " : "";
    }

    /// <summary>A bad input: its error, counted for the summary.</summary>
    private void Bad(ErrorRecord error)
    {
        _tally.Bad++;
        WriteError(error);
    }

    private void Accepted(string activityId)
    {
        _logged.Add(activityId);
        // Once a delivery stopped (an outage, the quota), the rest of the pipeline is only stored: one try at the end.
        if (++_storedSinceDelivery >= ActivityLogger.BatchSize && _deliveryStopped is null) Flush(all: false);
    }

    private void Deferred(Core.Unsubscribes.GuardDecision decision)
    {
        _deferred++;
        _tally.Held++;
        _deferredWhy ??= decision.Verdict?.FailureMessage ?? decision.Message;
    }

    /// <summary>Runs the queued Marketo checks (a full lookup, or all at the end) and reports what they settled.</summary>
    private void CheckAwaiting(bool all)
    {
        if (_logger is null || _awaitingCheck.Count == 0) return;
        foreach (var settled in RunEngine(ct => _logger.CheckHeldAsync(all, ct)))
        {
            if (!_awaitingCheck.Remove(settled.Activity.ActivityId, out var target)) continue;
            switch (settled.Outcome)
            {
                case SubmitOutcome.Stored:
                    Accepted(settled.Activity.ActivityId);
                    break;
                case SubmitOutcome.Deferred:
                    Deferred(settled.Decision!);
                    break;
                default:
                    Refuse(settled.Decision!, target);
                    break;
            }
        }
    }

    /// <summary>A sent email the guard refused: kept on record as Refused (never delivered); the error says why.</summary>
    private void Refuse(Core.Unsubscribes.GuardDecision decision, PSObject target)
    {
        _tally.Refused++;
        var category = decision.ErrorId switch
        {
            "NoEmailToCheck" or "InvalidEmail" or "EmailChangedInMarketo" or "UnsubscribeUncheckable" => ErrorCategory.InvalidData,
            _ => ErrorCategory.PermissionDenied,
        };
        WriteError(new ErrorRecord(new InvalidOperationException(decision.Message), decision.ErrorId, category, target)
        {
            ErrorDetails = new ErrorDetails(decision.Message)
            {
                RecommendedAction = decision.ErrorId switch
                {
                    "EmailChangedInMarketo" => "Run Start-SalesSync, then send it again (under a new ActivityId if you gave one). It is kept as Refused, not delivered.",
                    "NoEmailToCheck" or "InvalidEmail" => "Fix the person's email in Marketo (or the CRM) and sync. It is kept as Refused, not delivered.",
                    "UnsubscribeUncheckable" => "Check the address in Marketo yourself before emailing this person again. It is kept as Refused, not delivered.",
                    _ => "Do not email this person. The email is kept on record as Refused (Get-SalesActivity -State Refused), not delivered.",
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
        if (disposing && _logger is not null)
        {
            _awaitingCheck.Clear();
            try
            {
                try
                {
                    _logger.AbandonHeld(); // commits, so the next delivery finds them in the store
                }
                catch (Exception e) when (IsLocalFailure(e) || e is SalesActivityException)
                {
                    // Close commits again and, when that fails too, replays the journal in place.
                }
                _logger.Close(); // stores the last accepted group and removes its journal
            }
            catch (Exception e) when (IsLocalFailure(e) || e is SalesActivityException)
            {
                // Nothing is lost: the journal stays, and the next process to write the database's activities stores its rows.
            }
            finally
            {
                _logger.Release(); // no id stays staged, no hold stays live in this process
            }
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
        catch (SalesActivityException e) when (e.Reason == ActivityFailureReason.TypesNotInstalled)
        {
            // Marketo refused SalesSync's type and the check again found it gone: the activities stay stored and pending.
            ThrowTerminatingError(new ErrorRecord(e, "ActivityTypesNotInstalled", ErrorCategory.NotInstalled, null)
            {
                ErrorDetails = new ErrorDetails($"{e.Message} The activities stay pending; Sync-SalesActivity delivers them once the types are installed."),
            });
            return;
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
            _tally.Add(activity);
            foreach (var (side, delivery) in new[] { ("Marketo", activity.Marketo), ("Salesforce", activity.Salesforce) })
                if (delivery.State == DeliveryState.Failed)
                    WriteError(new ErrorRecord(new InvalidOperationException($"{side} refused activity {activity.ActivityId} ({activity.Kind} for Marketo person {activity.MarketoId}): {delivery.Reason}"),
                        $"ActivityRefusedBy{side}", ErrorCategory.InvalidData, SalesActivity.From(activity)));
            if (PassThru) WriteObject(SalesActivity.From(activity));
        }
        var done = settled.Select(a => a.ActivityId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        _logged.RemoveAll(done.Contains);
        if (report.StoppedBecause is { } why) _deliveryStopped = why;
        else if (all) _deliveryStopped = null; // the last try delivered what an earlier one could not
    }

    /// <summary>The ISO 8601 forms read first, in any culture: with or without seconds, fractions and an offset, or a date alone.</summary>
    private static readonly string[] IsoFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd",
    ];

    /// <summary>
    /// A date from a parameter or a CSV column: DateTime, DateTimeOffset or text. Text is read as ISO 8601 first,
    /// then in the current culture's form, as PowerShell binds a cmdlet's date parameter ("01/02/2026" is 1 February
    /// under en-GB, 2 January under en-US); never in the invariant culture's month-first form.
    /// </summary>
    internal static DateTimeOffset? ReadTime(object? value)
    {
        const System.Globalization.DateTimeStyles local = System.Globalization.DateTimeStyles.AssumeLocal | System.Globalization.DateTimeStyles.AllowWhiteSpaces;
        switch (value is PSObject wrapped ? wrapped.BaseObject : value)
        {
            case null: return null;
            case DateTimeOffset offset: return offset;
            case DateTime at: return LocalTime.ToOffset(at);
            case string text when DateTimeOffset.TryParseExact(text.Trim(), IsoFormats, System.Globalization.CultureInfo.InvariantCulture, local, out var parsed)
                                  || DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.CurrentCulture, local, out parsed):
                return parsed;
            case var other:
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"OccurredAt '{other}' is not a date and time: give ISO 8601 such as 2026-11-01T10:00:00Z (or 2026-11-01), or a date in this session's culture.") { Value = other };
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
        ActivityFailureReason.ActivityIdReused or ActivityFailureReason.DuplicateActivityId => ErrorCategory.ResourceExists,
        _ => ErrorCategory.InvalidArgument,
    };

    private static string Advice(ActivityFailureReason reason) => reason switch
    {
        ActivityFailureReason.PersonNotSynced => "Check the id or email (Get-SyncedPerson), or run Start-SalesSync if the person is new.",
        ActivityFailureReason.AmbiguousEmail => "Give -MarketoId (or a MarketoId column) to choose the person.",
        ActivityFailureReason.MissingPerson => "Give -MarketoId or -Email, or pipe objects with a MarketoId, Email, 'Email Address' or EmailAddress property.",
        ActivityFailureReason.MissingAttribute => "Add the attribute the kind needs (see Get-Help Send-SalesActivity -Parameter Kind).",
        ActivityFailureReason.ValueTooLong => "Shorten the value to 255 characters.",
        ActivityFailureReason.ActivityIdReused => "Give the new activity an ActivityId of its own, or leave ActivityId out.",
        _ => "Correct the value as the message says and send the item again.",
    };
}

/// <summary>Tab completion for -CallStatus: the statuses Marketo documents (quoted when they hold a space).</summary>
public sealed class CallStatusCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        SalesActivityCatalog.CallStatuses.Where(s => s.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(s => new CompletionResult(s.Contains(' ') ? $"'{s}'" : s, s, CompletionResultType.ParameterValue, s));
}

/// <summary>Tab completion for -Kind: the eight kinds.</summary>
public sealed class SalesActivityKindCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        Enum.GetNames<SalesActivityKind>().Where(n => n.StartsWith(wordToComplete.Trim('\'', '"'), StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
}
