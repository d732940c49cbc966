using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using RestSharp;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Unsubscribes;

/// <summary>
/// Keeps opt-outs in step with Salesforce, never touching Marketo:
/// 1. Salesforce to SalesSync: Email Opt Out of leads and contacts, read incrementally by SystemModstamp
///    (a first run reads only the opted-out records), kept locally so the send guard honours it.
/// 2. Marketo to Salesforce: a synced person unsubscribed in Marketo gets HasOptedOutOfEmail = true on the
///    contact (else the lead), 200 per call, with Sforce-Auto-Assign: FALSE so no assignment rule moves the
///    owner. A converted lead is skipped in favour of its contact. A record Salesforce has (or had) the opt-out
///    on is not set again for the same unsubscribe: a re-subscribe made later in Salesforce stands. Only an
///    unsubscribe Marketo logged after that re-subscribe (times compared: Marketo's activity date against the
///    record's SystemModstamp, both servers' clocks) is pushed again. Re-subscribes are never pushed.
/// </summary>
internal sealed class OptOutSync(SalesforceClient salesforce, SyncStore store, TimeProvider? time = null)
{
    /// <summary>Records per sObject Collections call.</summary>
    public const int Batch = 200;

    /// <summary>Modifications committed while a read runs can carry an earlier SystemModstamp: the next read overlaps by this much.</summary>
    private static readonly TimeSpan WatermarkMargin = TimeSpan.FromMinutes(10);
    private static readonly string[] Types = ["Lead", "Contact"];

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, SalesforceOptOut> _whatIf = new(StringComparer.Ordinal);
    private int _read, _marked, _set, _failed;
    private long _callsBefore;
    private readonly System.Diagnostics.Stopwatch _sinceProgress = new();

    /// <summary>The progress record's activity and id (beside Start-SalesSync's 1 and 2, which run this step after the people step).</summary>
    public const string ProgressActivity = "Opt-out step";
    private const int ProgressId = 3;

    public async IAsyncEnumerable<OptOutOutput> RunAsync(bool whatIf, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<OptOutOutput>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        // The producer's own token: a consumer that stops early (Select-Object -First) cancels it below.
        using var producing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producer = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                await ProduceAsync(whatIf, channel.Writer, producing.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = e;
            }
            channel.Writer.TryComplete(failure);
        }, CancellationToken.None);
        var finished = false;
        try
        {
            await foreach (var output in channel.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false)) yield return output;
            finished = true;
        }
        finally
        {
            if (!finished)
            {
                // Stopped early: no PATCH or bookkeeping may outlive the caller (whose store may be closed next).
                // A PATCH cut short is pushed again by the next run; writing the flag twice is harmless.
                producing.Cancel();
                try { await producer.ConfigureAwait(false); } catch (OperationCanceledException) { }
            }
        }
        await producer.ConfigureAwait(false);
        if (channel.Reader.Completion.Exception is { } e) throw e.InnerException ?? e;
    }

    private async Task ProduceAsync(bool whatIf, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        var callsBefore = _callsBefore = salesforce.CallsMade;
        string? stopped = null;
        try
        {
            await PullAsync(whatIf, output, ct).ConfigureAwait(false);
            await PushAsync(whatIf, output, ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e)
        {
            stopped = $"Salesforce: {e.Message} The next opt-out step continues from where this one stopped.";
            EngineObserver.Current.Warning(stopped);
        }
        // The owners' IsActive for the report: daily, or for new owners only; counted in this step's Salesforce calls.
        // Its own failure (a User query the integration user may not make) is not the opt-outs': they are done.
        if (!whatIf && stopped is null)
        {
            try
            {
                await Report.OwnerDirectory.RefreshAsync(salesforce, store, _time.GetUtcNow(), ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e)
            {
                EngineObserver.Current.Warning($"Salesforce: sales owners were not checked (the report's inactive owners are as last checked): {e.Message} " +
                    "The opt-outs were read and pushed; the next opt-out step checks the owners again. Give the integration user read access to User if this repeats.");
            }
        }
        EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, "Done", -1, ProgressId) { Completed = true });
        await output.WriteAsync(new OptOutReport
        {
            WhatIf = whatIf,
            SalesforceRecordsRead = _read,
            MarkedLocally = _marked,
            SetInSalesforce = _set,
            Failed = _failed,
            SalesforceCalls = salesforce.CallsMade - callsBefore,
            StoppedBecause = stopped,
        }, ct).ConfigureAwait(false);
    }

    private async Task PullAsync(bool whatIf, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        var startedAt = _time.GetUtcNow(); // taken to Salesforce's clock at the end, once its answers told the offset
        var since = store.OptOuts.Since;
        foreach (var type in Types)
        {
            // First run: only the opted-out records (all that can matter) and the converted leads (which contact each
            // became); later: whatever changed since the watermark.
            var lead = type == "Lead";
            var fields = lead ? "Id, HasOptedOutOfEmail, IsConverted, ConvertedContactId, SystemModstamp" : "Id, HasOptedOutOfEmail, SystemModstamp";
            var soql = since is { } s
                ? $"SELECT {fields} FROM {type} WHERE SystemModstamp > {Soql.Literal(s)} ORDER BY SystemModstamp"
                : $"SELECT {fields} FROM {type} WHERE HasOptedOutOfEmail = true{(lead ? " OR IsConverted = true" : "")}";
            EngineObserver.Current.Verbose(since is null
                ? $"Salesforce: reading every {type} with Email Opt Out{(lead ? ", and the converted ones" : "")} (first opt-out step)."
                : $"Salesforce: reading {type}s modified since {since:u}.");
            var changed = new List<(SalesforceOptOut Record, bool OptOutChanged)>();
            await foreach (var record in salesforce.QueryAsync(soql, false, ct).ConfigureAwait(false))
            {
                _read++;
                Progress($"Reading Salesforce {type}s' Email Opt Out");
                if (!record.TryGetProperty("Id", out var idValue) || SalesforceIds.To18(idValue.GetString()) is not { } id) continue;
                var optedOut = record.TryGetProperty("HasOptedOutOfEmail", out var flag) && flag.ValueKind == JsonValueKind.True;
                var convertedTo = lead && record.TryGetProperty("ConvertedContactId", out var c) && c.ValueKind == JsonValueKind.String ? SalesforceIds.To18(c.GetString()) : null;
                var known = Known(id);
                if (known is null && !optedOut && convertedTo is null) continue; // nothing worth keeping
                var now = (known ?? new SalesforceOptOut { Id = id, Type = type }) with
                {
                    OptedOut = optedOut,
                    EverOptedOut = optedOut || known?.EverOptedOut == true,
                    ConvertedContactId = convertedTo ?? known?.ConvertedContactId,
                    SeenAt = _time.GetUtcNow(),
                    FlagModstamp = known is { FlagModstamp: { } first } && known.OptedOut == optedOut ? first : Modstamp(record),
                };
                if (now.SameAs(known)) continue;
                changed.Add((now, known?.OptedOut != optedOut && (known is not null || optedOut)));
                if (changed.Count >= Batch)
                {
                    await MarkAsync(changed, whatIf, output, ct).ConfigureAwait(false);
                    changed.Clear();
                }
            }
            await MarkAsync(changed, whatIf, output, ct).ConfigureAwait(false);
        }
        // The watermark moves only after both types were read and applied.
        if (!whatIf) store.OptOuts.Save([], since: (salesforce.ServerClock.ToServerTime(startedAt) ?? startedAt) - WatermarkMargin);
    }

    private async Task MarkAsync(IReadOnlyList<(SalesforceOptOut Record, bool OptOutChanged)> changed, bool whatIf, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        if (changed.Count == 0) return;
        Save(changed.Select(c => c.Record).ToList(), whatIf);
        var flips = changed.Where(c => c.OptOutChanged).Select(c => c.Record).ToList();
        if (flips.Count == 0) return;
        // A contact's opt-out also concerns people whose Marketo record still names the lead it was converted from.
        var contacts = flips.Where(r => r.Type == "Contact").Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var convertedFrom = store.OptOuts.LeadsConvertedTo(contacts)
            .Concat(_whatIf.Values.Where(l => l.ConvertedContactId is { } c && contacts.Contains(c))) // this -WhatIf run's reads
            .GroupBy(l => l.ConvertedContactId!).ToDictionary(g => g.Key, g => g.Select(l => l.Id).Distinct().ToList(), StringComparer.Ordinal);
        var ids = flips.Select(r => r.Id).Concat(convertedFrom.Values.SelectMany(l => l)).ToList();
        var people = store.People.FindBySalesforceRecords(ids);
        foreach (var record in flips)
        {
            var related = convertedFrom.GetValueOrDefault(record.Id) ?? [];
            var owners = people.Where(p => SalesforceIds.To18(p.SalesforceContactId) == record.Id || SalesforceIds.To18(p.SalesforceLeadId) == record.Id
                                           || (p.SalesforceContactId is null && related.Contains(SalesforceIds.To18(p.SalesforceLeadId)!))).ToList();
            if (owners.Count == 0) continue; // not a synced person's record; kept for people synced later
            _marked++;
            await output.WriteAsync(new OptOutChange
            {
                Direction = OptOutDirection.SalesforceToSalesSync,
                Outcome = whatIf ? OptOutOutcome.WouldApply : OptOutOutcome.Applied,
                SalesforceId = record.Id,
                SalesforceType = record.Type,
                OptedOut = record.OptedOut,
                MarketoIds = owners.Select(p => p.MarketoId).ToList(),
                Email = owners[0].Email,
            }, ct).ConfigureAwait(false);
        }
    }

    /// <param name="ViaLead">For a converted lead's contact: the lead, marked handled once the contact is set.</param>
    private sealed record Target(string Id, string Type, List<long> MarketoIds, string? Email, string? ViaLead = null);

    /// <summary>
    /// Whether the record should get the opt-out for these people's Marketo unsubscribe: yes when Salesforce never had
    /// it; no while it has it; and after a re-subscribe in Salesforce only when Marketo logged one of the people's
    /// unsubscribes after the record was last modified (a new unsubscribe); the old unsubscribe does not override it.
    /// </summary>
    private bool PushDue(string id, IEnumerable<long> marketoIds)
    {
        if (Known(id) is not { } r || !(r.OptedOut || r.EverOptedOut || r.PushedAt is not null)) return true;
        if (r.OptedOut || r.FlagModstamp is not { } resubscribed) return false;
        return marketoIds.Any(m => store.OptOuts.MarketoUnsubscribedAt(m) is { } unsubscribed && unsubscribed > resubscribed);
    }

    /// <summary>Write-Progress in a cmdlet, at most five times a second: what the step does now and its counts so far.</summary>
    private void Progress(string phase)
    {
        if (_sinceProgress.IsRunning && _sinceProgress.ElapsedMilliseconds < 200) return;
        _sinceProgress.Restart();
        EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, System.FormattableString.Invariant(
            $"{phase}: {_read:N0} Salesforce records read, {_marked:N0} opt-outs of synced people recorded, {_set:N0} Email Opt Out set, {_failed:N0} failed; {salesforce.CallsMade - _callsBefore:N0} Salesforce calls"), -1, ProgressId));
    }

    private static DateTimeOffset? Modstamp(JsonElement record) =>
        record.TryGetProperty("SystemModstamp", out var m) && m.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(m.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    private async Task PushAsync(bool whatIf, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        var unsubscribed = store.People.UnsubscribedIds();
        EngineObserver.Current.Verbose($"Marketo unsubscribes: {unsubscribed.Count} synced people are unsubscribed; setting Email Opt Out where Salesforce does not have it yet.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<Target>(Batch);
        foreach (var chunk in unsubscribed.Chunk(PeopleStore.ReadPageSize))
        {
            Progress("Setting Email Opt Out in Salesforce for people unsubscribed in Marketo");
            foreach (var id in chunk)
            {
                if (store.People.Find(id) is not { Unsubscribed: true } person) continue;
                var (recordId, type) = SalesforceIds.To18(person.SalesforceContactId) is { } contact ? (contact, "Contact")
                    : SalesforceIds.To18(person.SalesforceLeadId) is { } lead ? (lead, "Lead") : (null, null);
                if (recordId is null) continue;
                string? viaLead = null;
                if (type == "Lead" && Known(recordId)?.ConvertedContactId is { } becameContact)
                {
                    // Known to be converted: its contact takes the opt-out (the lead is read-only), when due there.
                    (viaLead, recordId, type) = (recordId, becameContact, "Contact");
                }
                if (seen.Contains(recordId))
                {
                    batch.Find(t => t.Id == recordId)?.MarketoIds.Add(person.MarketoId);
                    continue;
                }
                if (!PushDue(recordId, [person.MarketoId])) continue;
                seen.Add(recordId);
                batch.Add(new Target(recordId, type!, [person.MarketoId], person.Email, viaLead));
                if (batch.Count == Batch)
                {
                    await SetAsync(batch, whatIf, output, ct).ConfigureAwait(false);
                    batch = new List<Target>(Batch);
                }
            }
        }
        await SetAsync(batch, whatIf, output, ct).ConfigureAwait(false);
    }

    private async Task SetAsync(IReadOnlyList<Target> targets, bool whatIf, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        if (targets.Count == 0) return;
        // Leads together, then contacts: Salesforce refuses a collection that switches type more than 10 times (EXCEEDED_ID_LIMIT).
        var batch = targets.OrderBy(t => t.Type, StringComparer.Ordinal).ToList();
        var now = _time.GetUtcNow();
        if (whatIf)
        {
            Save(batch.Select(t => Set(t, now)).Concat(batch.Where(t => t.ViaLead is not null).Select(t => HandledLead(t.ViaLead!, t.Id, now))).ToList(), whatIf: true);
            foreach (var t in batch) await output.WriteAsync(Change(t, OptOutOutcome.WouldApply), ct).ConfigureAwait(false);
            _set += batch.Count;
            return;
        }
        var records = new JsonArray(batch.Select(t => (JsonNode)new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = t.Type },
            ["id"] = t.Id,
            ["HasOptedOutOfEmail"] = true,
        }).ToArray());
        var body = new JsonObject { ["allOrNone"] = false, ["records"] = records }.ToJsonString();
        using var response = await salesforce.IdempotentWriteAsync(Method.Patch, salesforce.DataPath("composite/sobjects"), body,
            [new("Sforce-Auto-Assign", "FALSE")], ct).ConfigureAwait(false);
        var results = response.RootElement.ValueKind == JsonValueKind.Array ? response.RootElement.EnumerateArray().ToList() : [];
        var saved = new List<SalesforceOptOut>();
        var converted = new List<Target>();
        var changes = new List<OptOutChange>(); // written after the store is saved, so a stop in between loses no bookkeeping
        for (var i = 0; i < batch.Count; i++)
        {
            var t = batch[i];
            var result = i < results.Count ? results[i] : default;
            if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.True)
            {
                saved.Add(Set(t, now));
                if (t.ViaLead is { } handled) saved.Add(HandledLead(handled, t.Id, now));
                _set++;
                changes.Add(Change(t, OptOutOutcome.Applied));
                continue;
            }
            var (code, message) = Error(result);
            if (code == "CANNOT_UPDATE_CONVERTED_LEAD" && t.Type == "Lead")
            {
                converted.Add(t);
                continue;
            }
            _failed++;
            changes.Add(Change(t, OptOutOutcome.Failed) with { Reason = $"{code ?? "NO_RESULT"}: {message ?? "Salesforce gave no result for this record"}" });
        }
        store.OptOuts.Save(saved);
        foreach (var change in changes) await output.WriteAsync(change, ct).ConfigureAwait(false);
        if (converted.Count > 0) await SetConvertedAsync(converted, output, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Converted leads are read-only: their contacts get the opt-out instead (once each). A lead is marked handled
    /// only when its contact was set (or already had the opt-out), so a contact that fails is tried again next run.
    /// </summary>
    private async Task SetConvertedAsync(IReadOnlyList<Target> leads, ChannelWriter<OptOutOutput> output, CancellationToken ct)
    {
        var contacts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in Soql.InListChunks(leads.Select(l => (object?)l.Id)))
            await foreach (var lead in salesforce.QueryAsync($"SELECT Id, ConvertedContactId FROM Lead WHERE IsConverted = true AND Id IN {chunk}", false, ct).ConfigureAwait(false))
                if (lead.TryGetProperty("Id", out var id) && lead.TryGetProperty("ConvertedContactId", out var c) && c.ValueKind == JsonValueKind.String)
                    contacts[SalesforceIds.To18(id.GetString())!] = SalesforceIds.To18(c.GetString())!;
        var now = _time.GetUtcNow();
        var next = new List<Target>();
        var settled = new List<SalesforceOptOut>();
        foreach (var lead in leads)
        {
            if (!contacts.TryGetValue(lead.Id, out var contact))
            {
                _failed++;
                await output.WriteAsync(Change(lead, OptOutOutcome.Failed) with { Reason = "CANNOT_UPDATE_CONVERTED_LEAD: the lead was converted and Salesforce names no contact for it." }, ct).ConfigureAwait(false);
                continue;
            }
            if (!PushDue(contact, lead.MarketoIds))
            {
                settled.Add(HandledLead(lead.Id, contact, now));
                continue;
            }
            if (next.Find(t => t.Id == contact) is { } same)
            {
                same.MarketoIds.AddRange(lead.MarketoIds);
                settled.Add(HandledLead(lead.Id, contact, now));
                continue;
            }
            next.Add(new Target(contact, "Contact", lead.MarketoIds, lead.Email, lead.Id));
        }
        store.OptOuts.Save(settled);
        EngineObserver.Current.Verbose($"Salesforce: {leads.Count} lead(s) were converted; setting Email Opt Out on {next.Count} converted contact(s) instead.");
        foreach (var chunk in next.Chunk(Batch)) await SetAsync(chunk, whatIf: false, output, ct).ConfigureAwait(false);
    }

    private static SalesforceOptOut Set(Target t, DateTimeOffset now) =>
        new() { Id = t.Id, Type = t.Type, OptedOut = true, EverOptedOut = true, PushedAt = now, SeenAt = now };

    /// <summary>A converted lead whose contact took the opt-out: not tried again.</summary>
    private SalesforceOptOut HandledLead(string leadId, string contactId, DateTimeOffset now) =>
        (Known(leadId) ?? new SalesforceOptOut { Id = leadId, Type = "Lead" }) with { ConvertedContactId = contactId, PushedAt = now, SeenAt = now };

    private static OptOutChange Change(Target t, OptOutOutcome outcome) => new()
    {
        Direction = OptOutDirection.MarketoToSalesforce,
        Outcome = outcome,
        SalesforceId = t.Id,
        SalesforceType = t.Type,
        OptedOut = true,
        MarketoIds = t.MarketoIds,
        Email = t.Email,
        Reason = t.ViaLead is { } lead ? $"Lead {lead} was converted; its contact was set instead." : null,
    };

    private static (string? Code, string? Message) Error(JsonElement result)
    {
        if (result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            return (null, null);
        var first = errors[0];
        string? Text(string name) => first.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return (Text("statusCode") ?? Text("errorCode"), Text("message"));
    }

    /// <summary>What is known of a record: this run's -WhatIf picture first, then the store.</summary>
    private SalesforceOptOut? Known(string id) => _whatIf.TryGetValue(id, out var planned) ? planned : store.OptOuts.Find(id);

    private void Save(IReadOnlyList<SalesforceOptOut> records, bool whatIf)
    {
        if (!whatIf)
        {
            store.OptOuts.Save(records);
            return;
        }
        foreach (var r in records) _whatIf[r.Id] = r;
    }
}
