using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Writes one self-contained HTML page on the sync's health (the engine's HealthReportRenderer over the store's
/// aggregates; no API call). Overwrites only a page SalesSync wrote, unless -Force; writes atomically.
/// </summary>
[Cmdlet(VerbsData.Export, "SalesSyncReport", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ReportFile))]
public sealed class ExportSalesSyncReportCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The earliest -Since taken: nothing SalesSync records is older, and an earlier date is almost always a typo.</summary>
    internal static readonly DateTimeOffset EarliestSince = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    internal static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);

    /// <summary>The file to write (a PowerShell path: relative to the current location, a PSDrive; no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [Alias("LiteralPath")]
    public string Path { get; set; } = "";

    /// <summary>The report covers runs, calls, deliveries and refusals from then on (default: 30 days ago).</summary>
    [Parameter]
    public DateTime? Since { get; set; }

    /// <summary>The page's title (default "SalesSync health: &lt;Marketo instance&gt;").</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Writes a ReportFile object for the page written.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Replaces a file that SalesSync did not write.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var since = CheckSince();
        var path = ResolvePath();
        if (path is null) return;
        var exists = File.Exists(path);
        if (exists && !Force && !RunEngine(_ => Task.FromResult(Core.Report.HealthReportRenderer.IsOurFile(path))))
        {
            WriteError(PathError($"'{path}' exists and was not written by Export-SalesSyncReport (it has no SalesSync generator marker); it was left as it is.",
                "ReportFileNotOurs", ErrorCategory.ResourceExists, path,
                "Give another -Path, or add -Force to replace this file with the report."));
            return;
        }
        if (!ShouldProcess(path, exists ? "Replace with the SalesSync health report" : "Write the SalesSync health report")) return;

        var title = Title;
        var (report, bytes) = RunEngine(async ct =>
        {
            var report = Session.ReadHealthReport(since, ct);
            return (report, await Core.Report.HealthReportRenderer.WriteFileAsync(report, path, title, ct).ConfigureAwait(false));
        });
        WriteVerbose($"Wrote {path} ({bytes:N0} bytes): {report.State}, {report.Findings.Count} finding(s), since {since:u}.");
        if (PassThru)
        {
            WriteObject(new ReportFile
            {
                Path = path,
                Title = string.IsNullOrWhiteSpace(title) ? Core.Report.HealthReportRenderer.DefaultTitle(report) : title,
                State = report.State.ToString(),
                Findings = report.Findings.Count,
                GeneratedAt = report.GeneratedAt,
                Since = report.Since,
                Bytes = bytes,
            });
        }
    }

    /// <summary>-Since as an instant (a DateTime without a zone is local time, as Get-Date gives it): not in the future, not before 2000.</summary>
    private DateTimeOffset CheckSince()
    {
        var now = DateTimeOffset.UtcNow;
        if (Since is not { } given) return now - DefaultPeriod;
        var since = given.Kind == DateTimeKind.Utc ? new DateTimeOffset(given) : new DateTimeOffset(DateTime.SpecifyKind(given, DateTimeKind.Local));
        if (since > now)
            ThrowTerminatingError(SinceError($"-Since {given:u} is in the future: the report covers what happened from -Since until now.", "SinceInFuture", given,
                "Give a date in the past, such as (Get-Date).AddDays(-7), or leave -Since out for the last 30 days."));
        if (since < EarliestSince)
            ThrowTerminatingError(SinceError($"-Since {given:u} is before the year 2000; SalesSync records nothing that old, so it is most likely a typo.", "SinceTooEarly", given,
                "Give a date from 2000 on, such as (Get-Date).AddDays(-90), or leave -Since out for the last 30 days."));
        return since;
    }

    /// <summary>The full file-system path of -Path, or null after an error (a folder, a missing parent folder).</summary>
    private string? ResolvePath()
    {
        string path;
        ProviderInfo provider;
        try
        {
            path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out provider, out _);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or ArgumentException or PSInvalidOperationException)
        {
            ThrowTerminatingError(PathError($"-Path '{Path}' is not a usable file path: {e.Message}", "ReportPathInvalid", ErrorCategory.InvalidArgument, Path,
                "Give a file path such as ./sync-health.html or C:\\Reports\\sync-health.html."));
            return null;
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            ThrowTerminatingError(PathError($"-Path '{Path}' is on the {provider.Name} provider; the report is a file.", "ReportPathNotFileSystem", ErrorCategory.InvalidArgument, Path,
                "Give a file-system path (a drive such as C: or a folder such as ./reports)."));
        }
        if (Directory.Exists(path))
        {
            WriteError(PathError($"'{path}' is a folder; -Path names the report file to write.", "ReportPathIsFolder", ErrorCategory.InvalidArgument, path,
                $"Give a file name in that folder, such as {System.IO.Path.Combine(path, "sync-health.html")}."));
            return null;
        }
        var folder = System.IO.Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            WriteError(PathError($"The folder of '{path}' does not exist; the report is not written.", "ReportFolderNotFound", ErrorCategory.ObjectNotFound, path,
                $"Create the folder first (New-Item -ItemType Directory '{folder}'), or give a path in an existing folder."));
            return null;
        }
        return path;
    }

    private static ErrorRecord PathError(string message, string errorId, ErrorCategory category, string target, string action) =>
        new(new InvalidOperationException(message), errorId, category, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = action },
        };

    private static ErrorRecord SinceError(string message, string errorId, DateTime target, string action) =>
        new(new ArgumentException(message, nameof(Since)), errorId, ErrorCategory.InvalidArgument, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = action },
        };
}
