using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// Carries out checked writes against the store at one sandbox-clock instant (callers hold the world lock):
/// defaults on create, the org's derived fields, the stand-in lead assignment rule, and the audit fields
/// (LastModifiedDate and SystemModstamp move on every write, deletes included; LastModifiedById, where the type has
/// it, names who wrote: the API's running user unless the control API acts as a seller).
/// </summary>
public sealed class RecordWriter(SalesforceStore store, DateTimeOffset now, bool runAssignmentRules, string? actorId = null)
{
    private string? Actor => actorId ?? store.RunningUserId;

    public SalesforceRecord Apply(RecordPlan plan)
    {
        if (plan.Target is { } record)
        {
            var wasClosed = record.GetValueOrDefault("IsClosed") is true;
            foreach (var (name, value) in plan.Values) record[name] = value;
            Derive(record, wasClosed);
            Touch(record);
            return record;
        }
        var values = new Dictionary<string, object?>(plan.Values, StringComparer.OrdinalIgnoreCase);
        foreach (var field in plan.Type.Describe.Values)
        {
            if (field.Default is not null && values.GetValueOrDefault(field.Name) is null) values[field.Name] = field.Default;
        }
        // OwnerId is "defaulted on create" to the running user (the token's user).
        if (plan.Type.Describe.ContainsKey("OwnerId") && values.GetValueOrDefault("OwnerId") is null) values["OwnerId"] = store.RunningUserId;
        if (plan.Type.Describe.ContainsKey("CreatedById")) values["CreatedById"] = values["LastModifiedById"] = Actor;
        var created = store.Add(plan.Type.Name, now, values);
        Derive(created, wasClosed: false);
        return created;
    }

    /// <summary>
    /// Soft delete: the record stays for queryAll with IsDeleted = true, as the Recycle Bin keeps it; its SystemModstamp
    /// is the deletedDate getDeleted reports ("obtained using the SystemModstamp system field if available").
    /// </summary>
    public void Delete(SalesforceRecord record)
    {
        record["IsDeleted"] = true;
        Touch(record);
    }

    /// <summary>Undelete from the Recycle Bin: live again, as a write (SystemModstamp moves).</summary>
    public void Undelete(SalesforceRecord record)
    {
        record["IsDeleted"] = false;
        Touch(record);
    }

    private void Touch(SalesforceRecord record)
    {
        SalesforceStore.Touch(record, now);
        if (record.ContainsKey("LastModifiedById")) record["LastModifiedById"] = Actor;
    }

    private void Derive(SalesforceRecord record, bool wasClosed)
    {
        switch (record.Type)
        {
            case "Lead":
            case "Contact":
                var name = string.Join(' ', new[] { record.GetValueOrDefault("FirstName"), record.GetValueOrDefault("LastName") }
                    .OfType<string>().Where(s => s.Length > 0));
                record["Name"] = name;
                // Stand-in for an active lead assignment rule: REST runs it unless Sforce-Auto-Assign is FALSE.
                if (record.Type == "Lead" && runAssignmentRules && store.LeadQueueUserId is { } queue) record["OwnerId"] = queue;
                break;
            case "Opportunity":
                var stage = record.GetValueOrDefault("StageName") as string ?? "";
                record["IsClosed"] = stage.StartsWith("Closed", StringComparison.Ordinal);
                record["IsWon"] = stage == "Closed Won";
                break;
            case "OpportunityContactRole":
                if (record.GetValueOrDefault("IsPrimary") is true) ClearOtherPrimaries(record);
                break;
            case "Task":
                var closed = record.GetValueOrDefault("Status") is "Completed";
                record["IsClosed"] = closed;
                record["IsHighPriority"] = record.GetValueOrDefault("Priority") is "High";
                if (!closed) record["CompletedDateTime"] = null;
                else if (!wasClosed || record.GetValueOrDefault("CompletedDateTime") is null) record["CompletedDateTime"] = now;
                record["AccountId"] = TaskAccountId(record);
                break;
        }
    }

    /// <summary>"Each Opportunity has only one primary contact": the others on the opportunity stop being primary.</summary>
    private void ClearOtherPrimaries(SalesforceRecord primary)
    {
        foreach (var role in store.All("OpportunityContactRole"))
        {
            if (ReferenceEquals(role, primary) || role["IsDeleted"] is true || role.GetValueOrDefault("IsPrimary") is not true) continue;
            if (!Equals(role.GetValueOrDefault("OpportunityId"), primary.GetValueOrDefault("OpportunityId"))) continue;
            role["IsPrimary"] = false;
            SalesforceStore.Touch(role, now);
        }
    }

    /// <summary>Task.AccountId: WhatId's account (an Account, or an Opportunity's account), else the WhoId contact's account.</summary>
    private string? TaskAccountId(SalesforceRecord task)
    {
        var what = store.Find(task.GetValueOrDefault("WhatId") as string);
        if (what?.Type == "Account") return what.Id;
        if (what?.Type == "Opportunity") return what.GetValueOrDefault("AccountId") as string;
        var who = store.Find(task.GetValueOrDefault("WhoId") as string);
        return who?.Type == "Contact" ? who.GetValueOrDefault("AccountId") as string : null;
    }
}
