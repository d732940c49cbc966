@{
    Synopsis    = 'Writes one self-contained HTML page on the sync''s health: the verdict and why, runs, API budget, activity delivery, compliance, data quality and reminders, each chart with its numbers beneath it.'
    Description = @(
        'Export-SalesSyncReport reads the connected database (no call to Marketo or Salesforce) and writes one HTML file that can be attached to an email or published from a runbook: styles and charts are inline, so it opens offline and makes no request to any other host, and it prints without cut tables (charts scale to the page width).'
        'The page starts with the headline: Healthy, Needs attention or Failing, with each finding''s message, by the same rules as Get-SalesSyncStatus. Then, for the period from -Since (default: the last 30 days) until now: sync runs per day (people added, updated and removed, the longest run, failures) and the latest runs; the API budget (Marketo calls per Marketo day against the daily quota or SalesSync''s cap, bulk extract megabytes against 500 MB, Salesforce calls against the org''s limit, the busiest 20-second windows against 100 calls); activity delivery by kind and destination (pending, held, failed and refused, with reasons, and the oldest waiting delivery); compliance (sent emails refused for unsubscribed or opted-out people: who, when, which seller; opt-outs pushed to Salesforce; who turned the unsubscribe guard off or on); data quality (emails shared by several people, people without an email, sales owners inactive in Salesforce); and, while reminder sync is on, reminders and their conflicts.'
        'Every value read from Marketo or Salesforce (a company, an email, a reason) is HTML-encoded: it shows as text and never runs. Numbers are written in the invariant culture (1,234,567.8) and times in UTC, whatever the session''s culture.'
        'The file is written whole or not at all: to a temporary file in the same folder, then moved over -Path. An existing file is replaced only when Export-SalesSyncReport wrote it (its first 4 KB carry the page''s generator marker); any other file is left alone unless -Force is given.'
        'The page lists people''s emails (refused sends, opt-outs pushed, shared emails) and sellers'' names, so the file is created readable and writable by its owner only (mode 0600 on Linux and macOS, an access list for the current user alone on Windows), whatever the umask or the folder''s permissions. To share it, attach it to a mail or copy it where its readers may see people''s emails; to let others on the machine read it, widen it on purpose (chmod g+r, or Windows file sharing).'
    )
    Parameters  = @{
        Path     = 'The HTML file to write. A relative path follows the current PowerShell location; a PSDrive path works too. Wildcards are not expanded. The folder must exist; a folder itself is refused.'
        Since    = 'The report covers runs, API calls, deliveries, refusals, opt-outs and guard changes from this date on. A date without a time zone is local time (as Get-Date gives it). It may not be in the future, nor before the year 2000.'
        Title    = 'The page''s title and heading.'
        PassThru = 'Writes a SalesSync.ReportFile object for the file written: Path, Title, State, Findings, GeneratedAt, Since, Bytes.'
        Force    = 'Replaces -Path even when it is a file Export-SalesSyncReport did not write.'
    }
    Defaults    = @{ Since = '30 days before now'; Title = 'SalesSync health: <Marketo instance>' }
    Inputs      = 'None. You cannot pipe objects to Export-SalesSyncReport.'
    Outputs     = @{ Type = 'SalesSync.ReportFile'; Description = 'With -PassThru, one object: Path (the full file-system path), Title, State (Healthy, NeedsAttention or Failing), Findings (how many health rules found something), GeneratedAt, Since, Bytes. Without -PassThru, nothing.' }
    Notes       = @(
        'Needs a connection (Connect-SalesSync). Supports -WhatIf (nothing is read or written) and -Confirm.'
        'Errors: ReportFileNotOurs (the file exists and Export-SalesSyncReport did not write it; add -Force), ReportPathIsFolder, ReportFolderNotFound, ReportPathNotFileSystem, ReportPathInvalid, SinceInFuture, SinceTooEarly. The target object is the path (or the date).'
        'The charts are drawn by ScottPlot as SVG and the page by the Fluid template engine; the charts carry only the report''s own labels, dates and numbers, and the tables beneath them hold the same numbers.'
    )
    Examples    = @(
        @{ Code = 'Export-SalesSyncReport -Path ./sync-health.html'; Remarks = 'Writes the report on the last 30 days to sync-health.html in the current folder; running it again replaces the file.' }
        @{ Code = 'Export-SalesSyncReport -Path ./sync-health.html -Since (Get-Date).AddDays(-7) -Title ''SalesSync: last week'' -PassThru'; Remarks = 'The last seven days, with its own title; the object written says where the file is, its verdict and its size.' }
        @{ Code = '$report = Export-SalesSyncReport -Path ./sync-health.html -PassThru; if ($report.State -ne ''Healthy'') { Write-Warning "SalesSync: $($report.State), see $($report.Path)" }'; Remarks = 'A runbook step: write the report (each run replaces the page the previous run wrote, without -Force, since the file carries the report''s marker; a file someone else put at that path is refused with ReportFileNotOurs) and warn when the verdict is not Healthy; attach $report.Path to the mail that follows.' }
    )
    Links       = @('Get-SalesSyncStatus', 'Get-SalesSyncRun', 'Get-SalesActivity', 'Get-SyncedPerson', 'Connect-SalesSync')
}
