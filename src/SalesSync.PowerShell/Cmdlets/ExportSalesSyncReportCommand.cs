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
        if (System.IO.Path.GetExtension(path).ToLowerInvariant() is not (".html" or ".htm"))
            WriteWarning($"'{path}' does not end in .html: the report is an HTML page, and a browser or mail client opens it by that name.");
        var exists = File.Exists(path);
        var whatIf = WhatIfRequested;
        if (exists && !Force && !RunEngine(_ => Task.FromResult(Core.Report.HealthReportRenderer.IsOurFile(path))))
        {
            const string Fix = "Give another -Path, or add -Force to replace this file with the report.";
            // Under -WhatIf the refusal is the What if line: the real run refuses this file unless -Force.
            if (whatIf) ShouldProcess(path, $"Refuse: Export-SalesSyncReport did not write this file (no SalesSync generator marker), so the real run refuses it unless -Force. {Fix}");
            else WriteError(PathError($"'{path}' exists and was not written by Export-SalesSyncReport (it has no SalesSync generator marker); it was left as it is.",
                "ReportFileNotOurs", ErrorCategory.ResourceExists, path, Fix));
            return;
        }
        if (!ShouldProcess(path, exists ? "Replace with the SalesSync health report" : "Write the SalesSync health report")) return;

        var title = Title;
        var (report, bytes, failure) = RunEngine(async ct =>
        {
            var report = Session.ReadHealthReport(since, ct);
            try
            {
                return (report, await Core.Report.HealthReportRenderer.WriteFileAsync(report, path, title, ct).ConfigureAwait(false), (Exception?)null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Reported against the admin's path below, not the hidden temporary file the write goes through.
                return (report, 0L, e);
            }
        });
        if (failure is not null)
        {
            WriteError(WriteFailed(path, failure));
            return;
        }
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

    /// <summary>
    /// Whether <paramref name="path"/> is one the report never replaces, even with -Force (the database and
    /// its files, a device, FIFO or socket, any LiteDB file); an error, or under -WhatIf a What if line, says so.
    /// </summary>
    private bool Refused(string path, bool whatIf)
    {
        var exists = File.Exists(path);
        var (errorId, category, message, fix) = Core.Report.ReportTarget.DatabaseFileOf(Session.DatabasePath, path) is { } what
            ? ("ReportPathIsDatabase", ErrorCategory.PermissionDenied,
                $"'{path}' is {what} ({Session.DatabasePath}); writing the report there would replace it (or the link to it), so it is always refused, even with -Force.",
                "Give a path outside the database's files, such as ./sync-health.html.")
            : exists && !IsRegularFile(path)
                ? ("ReportPathNotRegularFile", ErrorCategory.InvalidArgument,
                    $"'{path}' is not a regular file (a device, pipe or socket); the report is only written to a regular file, even with -Force.",
                    "Give the path of a regular file, such as ./sync-health.html.")
                : exists && Core.Report.ReportTarget.IsLiteDb(path)
                    ? ("ReportPathIsDatabase", ErrorCategory.PermissionDenied,
                        $"'{path}' is a LiteDB database (perhaps another SalesSync database); writing the report there would replace it (or the link to it), so it is always refused, even with -Force.",
                        "Give a path outside any database, such as ./sync-health.html.")
                    : (null, default, "", "");
        if (errorId is null) return false;
        if (whatIf) ShouldProcess(path, $"Refuse (the real run does too): {message}");
        else WriteError(PathError(message, errorId, category, path, fix));
        return true;
    }

    /// <summary>A regular file, or a symlink to one (Unix: the file type bits of stat, through the FileSystem provider's UnixStat).</summary>
    private bool IsRegularFile(string path)
    {
        var target = Core.Report.ReportTarget.FinalTarget(path) ?? path;
        if (!File.Exists(target)) return true; // a dangling symlink: the write replaces the link itself
        if (OperatingSystem.IsWindows()) return (File.GetAttributes(target) & FileAttributes.Device) == 0;
        var item = InvokeProvider.Item.Get([target], force: true, literalPath: true).FirstOrDefault();
        const int TypeMask = 0xF000, Regular = 0x8000;
        return item?.Properties["UnixStat"]?.Value is not { } stat
            || PSObject.AsPSObject(stat).Properties["Mode"]?.Value is not int mode
            || (mode & TypeMask) == Regular;
    }

    private static ErrorRecord WriteFailed(string path, Exception e)
    {
        // The OS reason, naming the admin's path instead of the temporary file ('/x/.report.html.<32 hex>.tmp').
        var reason = System.Text.RegularExpressions.Regex.Replace(e.Message, @"'[^']*\.[0-9a-f]{32}\.tmp'", $"'{path}'");
        var message = $"The report could not be written to '{path}': {reason}";
        return new ErrorRecord(new IOException(message, e), "ReportWriteFailed", ErrorCategory.WriteError, path)
        {
            ErrorDetails = new ErrorDetails(message)
            {
                RecommendedAction = "Give a path in a folder you can write to with space left (the report is written beside it first, then moved into place).",
            },
        };
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
        const string Example = "Give a file path such as ./sync-health.html or C:\\Reports\\sync-health.html.";
        if (string.IsNullOrWhiteSpace(Path))
            ThrowTerminatingError(PathError("-Path is blank: it names the report file to write.", "ReportPathInvalid", ErrorCategory.InvalidArgument, Path, Example));
        if (Path.IndexOfAny(System.IO.Path.GetInvalidPathChars()) is var bad and >= 0)
            ThrowTerminatingError(PathError($"-Path '{Path.Replace("\0", "\\0")}' holds a character no file name may have (code {(int)Path[bad]} at position {bad + 1}).",
                "ReportPathInvalid", ErrorCategory.InvalidArgument, Path, "Remove the character (often pasted in by accident); " + Example));
        string path;
        ProviderInfo provider;
        try
        {
            path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path, out provider, out _);
        }
        catch (Exception e) when (e is ItemNotFoundException or System.Management.Automation.DriveNotFoundException or ProviderNotFoundException or NotSupportedException or ArgumentException or PSInvalidOperationException)
        {
            ThrowTerminatingError(PathError($"-Path '{Path}' is not a usable file path: {e.Message}", "ReportPathInvalid", ErrorCategory.InvalidArgument, Path,
                Example));
            return null;
        }
        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            ThrowTerminatingError(PathError($"-Path '{Path}' is on the {provider.Name} provider; the report is a file.", "ReportPathNotFileSystem", ErrorCategory.InvalidArgument, Path,
                "Give a file-system path (a drive such as C: or a folder such as ./reports)."));
        }
        // Before the folder checks: the database's export folder is refused as the database's, not as a folder.
        if (Refused(path, WhatIfRequested)) return null;
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
