using System.Security.Cryptography;

namespace SalesSync.Core.Activities;

/// <summary>Where an activity stands with one destination.</summary>
public enum DeliveryState
{
    /// <summary>Not for this destination (a kind not logged to Salesforce, or a person without a Salesforce record).</summary>
    NotRequired,

    /// <summary>Stored, not yet sent (or sent and known not to have arrived).</summary>
    Pending,

    /// <summary>
    /// A sent email stored while its unsubscribe check is outstanding (the send guard): never sent in this state;
    /// the check makes it Pending or Refused, also after a crash, before the next delivery.
    /// </summary>
    Held,

    /// <summary>Sent with an unknown outcome; what arrived is looked up before anything is sent again.</summary>
    Sending,

    Delivered,

    /// <summary>Refused for a reason that sending again will not change (unknown lead, validation).</summary>
    Failed,

    /// <summary>
    /// Refused by the send guard (unsubscribed, opted out, or an address Marketo cannot check): never delivered,
    /// and never deleted either. A sent email is an email that already went out; its record, with the reason,
    /// is the audit trail that it reached someone it should not have.
    /// </summary>
    Refused,
}

/// <summary>An activity's state with one destination: the remote id once delivered, the reason once failed.</summary>
public sealed record Delivery(DeliveryState State, string? RemoteId = null, string? Reason = null, int Attempts = 0, DateTimeOffset? At = null)
{
    /// <summary>While an unknown outcome could not be looked up: since when every lookup has failed (null once one worked).</summary>
    public DateTimeOffset? UncheckedSince { get; init; }

    public static readonly Delivery NotRequired = new(DeliveryState.NotRequired);
    public static readonly Delivery Pending = new(DeliveryState.Pending);
}

/// <summary>
/// One sales activity as SalesSync logs it: the person (with the Salesforce ids the Task needs, as synced
/// when the activity was logged), the kind, when it happened, its attributes, and its state per destination.
/// </summary>
public sealed record SalesActivity
{
    /// <summary>SalesSync's own id ("SS-" and 16 base32 characters): carried to Marketo as an attribute and at the end of the Task subject.</summary>
    public required string ActivityId { get; init; }
    public required SalesActivityKind Kind { get; init; }
    public required long MarketoId { get; init; }
    public string? Email { get; init; }
    public string? SalesforceLeadId { get; init; }
    public string? SalesforceContactId { get; init; }
    public string? SalesforceAccountId { get; init; }
    public string? SalesforceOpportunityId { get; init; }
    public string? SalesOwnerId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required DateTimeOffset LoggedAt { get; init; }

    /// <summary>Attribute values by API name (see <see cref="SalesActivityCatalog"/>).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    public Delivery Marketo { get; init; } = Delivery.Pending;
    public Delivery Salesforce { get; init; } = Delivery.NotRequired;

    public string? Attribute(string apiName) => Attributes.TryGetValue(apiName, out var v) ? v : null;

    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    /// <summary>A new random id: 80 bits, so ids never collide across machines and databases.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(bytes);
        var chars = new char[16];
        ulong acc = 0;
        int bits = 0, at = 0;
        foreach (var b in bytes)
        {
            acc = (acc << 8) | b;
            bits += 8;
            while (bits >= 5) chars[at++] = Base32[(int)((acc >> (bits -= 5)) & 31)];
        }
        return "SS-" + new string(chars);
    }
}
