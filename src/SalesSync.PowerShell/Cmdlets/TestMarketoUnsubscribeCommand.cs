using System.Management.Automation;
using SalesSync.Core.Unsubscribes;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Checks email addresses against Marketo's unsubscribe status, live: 300 addresses per call, a repeated
/// address looked up once, results in input order. An address is unsubscribed when any Marketo record with
/// it is. Fails closed: an address Marketo could not answer for is an error and never comes out as safe.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "MarketoUnsubscribe", DefaultParameterSetName = InputSet)]
[OutputType(typeof(UnsubscribeCheck), typeof(bool), typeof(PSObject))]
public sealed class TestMarketoUnsubscribeCommand : SalesSyncConnectedCmdlet
{
    private const string InputSet = "Input";
    private const string EmailSet = "Email";

    /// <summary>An email address, or any object with an Email property (a synced person, a CSV row).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowNull]
    public PSObject? InputObject { get; set; }

    /// <summary>Email addresses to check.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = EmailSet)]
    [AllowEmptyString]
    public string[] Email { get; set; } = [];

    /// <summary>One boolean per input: $true when unsubscribed or not checkable (fails closed), $false only when Marketo confirmed it is safe.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    /// <summary>Pass on only the input objects that are safe to email (for a pipeline into Send-SalesActivity).</summary>
    [Parameter]
    public SwitchParameter SafeOnly { get; set; }

    private sealed record Item(object? Input, string Email, UnsubscribeVerdict? Verdict, bool MissingEmail = false);

    /// <summary>Inputs held for their answer before a partial batch is looked up anyway.</summary>
    private const int MaxWaiting = 5 * UnsubscribeLookup.BatchSize;

    private UnsubscribeLookup? _lookup;
    private readonly Queue<Item> _waiting = new();

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Quiet && SafeOnly)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Quiet and -SafeOnly cannot be used together: -Quiet returns booleans, -SafeOnly returns the safe inputs."),
                "QuietWithSafeOnly", ErrorCategory.InvalidArgument, null));
        _lookup = Session.CreateUnsubscribeLookup();
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == EmailSet)
        {
            foreach (var email in Email) Accept(email, email ?? "");
        }
        else
        {
            Accept(InputObject, AddressOf(InputObject));
        }
    }

    protected override void EndProcessing()
    {
        Drain(final: true);
        WriteVerbose($"Marketo unsubscribe lookups: {_lookup!.CallsMade} call(s).");
    }

    private void Accept(object? input, string? email)
    {
        // Queued like every other input (even when already answered), so results come out in input order.
        _waiting.Enqueue(email is null
            ? new Item(input, "", UnsubscribeVerdict.Failed("", UnsubscribeCheckFailure.InvalidEmail,
                "The input is neither an email address nor an object with an Email property.", DateTimeOffset.UtcNow), MissingEmail: true)
            : new Item(input, email, _lookup!.Request(email)));
        Drain(final: false);
    }

    /// <summary>Looks up what fills a batch (or everything at the end) and writes the results in input order.</summary>
    private void Drain(bool final)
    {
        // A full batch, the end, or many inputs waiting on a few addresses (repeats): memory stays flat and results keep flowing.
        if (_lookup!.PendingCount >= UnsubscribeLookup.BatchSize || (_lookup.PendingCount > 0 && (final || _waiting.Count >= MaxWaiting)))
            RunEngine(ct => _lookup.FlushAsync(final || _waiting.Count >= MaxWaiting, ct));
        while (_waiting.TryPeek(out var head))
        {
            var verdict = head.Verdict ?? _lookup.Find(head.Email);
            if (verdict is null)
            {
                if (!final) return;
                // Forgotten after a very long pipeline: ask again rather than guess.
                _lookup.Request(head.Email);
                RunEngine(ct => _lookup.FlushAsync(true, ct));
                verdict = _lookup.Find(head.Email) ?? UnsubscribeVerdict.Failed(head.Email, UnsubscribeCheckFailure.MarketoUnavailable, "No answer was kept for this address.", DateTimeOffset.UtcNow);
            }
            _waiting.Dequeue();
            Emit(head, verdict, head.MissingEmail);
        }
    }

    private void Emit(Item item, UnsubscribeVerdict verdict, bool missingEmail)
    {
        if (verdict.Failure is { } failure)
        {
            var (id, category) = missingEmail ? ("NoEmail", ErrorCategory.InvalidArgument) : failure switch
            {
                UnsubscribeCheckFailure.InvalidEmail => ("InvalidEmail", ErrorCategory.InvalidArgument),
                UnsubscribeCheckFailure.QuotaExhausted => ("MarketoQuotaExhausted", ErrorCategory.QuotaExceeded),
                UnsubscribeCheckFailure.Refused => ("UnsubscribeCheckRefused", ErrorCategory.PermissionDenied),
                _ => ("UnsubscribeCheckFailed", ErrorCategory.ConnectionError),
            };
            Exception error = failure == UnsubscribeCheckFailure.InvalidEmail
                ? new ArgumentException(verdict.FailureMessage)
                : new InvalidOperationException($"{verdict.Email}: not checked, so not safe to email. {verdict.FailureMessage}");
            WriteError(new ErrorRecord(error, id, category, item.Input));
        }
        if (SafeOnly)
        {
            if (verdict.SafeToEmail) WriteObject(item.Input);
            else if (verdict.Failure is null) WriteVerbose($"{verdict.Email} is unsubscribed in Marketo ({string.Join(", ", verdict.UnsubscribedIds)}): not passed on.");
        }
        else if (Quiet) WriteObject(!verdict.SafeToEmail);
        else WriteObject(UnsubscribeCheck.From(verdict, item.Input));
    }

    /// <summary>The address in an input: the text itself, or its Email property.</summary>
    private static string? AddressOf(PSObject? input)
    {
        switch (input?.BaseObject)
        {
            case null: return null;
            case string text: return text;
            case System.Collections.IDictionary map: // @{ Email = '...' }
                foreach (System.Collections.DictionaryEntry entry in map)
                    if (entry.Key is string key && key.Equals("Email", StringComparison.OrdinalIgnoreCase)) return entry.Value?.ToString();
                return null;
        }
        var property = input.Properties["Email"];
        return property?.Value switch
        {
            null => null,
            PSObject wrapped => wrapped.BaseObject?.ToString(),
            var value => value.ToString(),
        };
    }
}
