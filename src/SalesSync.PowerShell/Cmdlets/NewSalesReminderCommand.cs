using System.Globalization;
using System.Management.Automation;
using SalesSync.Core.Reminders;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Makes a seller's reminder about a synced person ("call Ana back on Thursday, high priority"), by -MarketoId, -Email
/// or pipeline objects (synced people, CSV rows). Each item is checked and stored on its own: a bad row is that row's
/// error and the rest go on. With reminder sync on, the next pass makes its Salesforce Task.
/// </summary>
[Cmdlet(VerbsCommon.New, "SalesReminder", SupportsShouldProcess = true)]
[OutputType(typeof(SalesReminder))]
public sealed class NewSalesReminderCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Text, read here: 'abc' in a CSV row must be that row's InvalidValue, not a binding failure.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [EmptyAsNull]
    public string? MarketoId { get; set; }

    /// <summary>'Email Address' and EmailAddress are the column names of Marketo's own list exports.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Email Address", "EmailAddress")]
    [EmptyAsNull]
    public string? Email { get; set; }

    /// <summary>Empty strings bind so the engine names the problem (InvalidValue), per row.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string Subject { get; set; } = "";

    /// <summary>Any object, read here: a malformed date in a CSV row is that row's error.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Due")]
    public object? DueDate { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ReminderPriorityCompleter))]
    [EmptyAsNull]
    public string? Priority { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Description")]
    public string? Details { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [EmptyAsNull]
    public string? OwnerId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private ReminderBook? _book;
    private string _whereTo = "";
    private int _made, _bad;

    protected override void BeginProcessing()
    {
        // Typed on the command line (only those are bound here), an empty -Priority is a mistake; an empty CSV column means Normal.
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Priority)) && Priority is null)
            ThrowTerminatingError(SalesReminderInput.Error(new ReminderException(ReminderFailureReason.InvalidValue,
                "-Priority is empty: give Normal or High (or leave it out for Normal).") { Value = "" }, ""));
        base.BeginProcessing();
        _book = Session.Reminders;
        _whereTo = Session.ActivitySettings.ReminderSync == ReminderSyncMode.TwoWay
            ? "its Salesforce Task is made by the next reminder pass"
            : "kept in SalesSync only: reminder sync is Off";
    }

    protected override void ProcessRecord()
    {
        var target = new PSObject();
        target.Properties.Add(new PSNoteProperty("MarketoId", MarketoId));
        target.Properties.Add(new PSNoteProperty("Email", Email));
        target.Properties.Add(new PSNoteProperty("Subject", Subject));
        try
        {
            long? marketoId = null;
            if (MarketoId?.Trim() is { Length: > 0 } idText)
            {
                marketoId = long.TryParse(idText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
                    : throw new ReminderException(ReminderFailureReason.InvalidValue, $"MarketoId '{idText}' is not a Marketo id: give the whole number Get-SyncedPerson shows (or an Email instead).") { Value = MarketoId };
            }
            var request = new NewReminderRequest
            {
                MarketoId = marketoId,
                Email = Email,
                Subject = Subject,
                DueDate = SalesReminderInput.ReadDueDate(DueDate),
                Priority = Priority is null ? ReminderPriority.Normal : SalesReminderInput.ReadPriority(Priority),
                Details = Details,
                OwnerId = OwnerId,
            };
            var now = DateTimeOffset.UtcNow;
            var planned = _book!.Prepare(request, now);
            if (!ShouldProcess($"Marketo person {planned.MarketoId}{(string.IsNullOrEmpty(planned.Email) ? "" : $" ({planned.Email})")}",
                    $"Make reminder '{planned.Subject}' due {planned.DueDate:yyyy-MM-dd}, {planned.Priority} priority, for seller {planned.OwnerId} ({_whereTo})")) return;
            var made = _book.Create(request, now);
            _made++;
            WriteVerbose($"Reminder {made.ReminderId} made for Marketo person {made.MarketoId}: '{made.Subject}' due {made.DueDate:yyyy-MM-dd} ({made.SyncState}).");
            if (PassThru) WriteObject(made);
        }
        catch (ReminderException e)
        {
            _bad++;
            WriteError(SalesReminderInput.Error(e, target));
        }
    }

    protected override void EndProcessing()
    {
        if (_made + _bad > 1) WriteVerbose($"{_made} reminder(s) made, {_bad} refused.");
    }
}
