using System.Globalization;
using System.Security.Cryptography;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// Brings a completed job's file to disk: in byte ranges (a dropped connection continues where it stopped,
/// bounded when nothing new arrives), then checked whole against the job's sha256 (a mismatch is downloaded
/// again, bounded). The file is owner-only and is created by <see cref="ExportJobs"/> when the job completes.
/// </summary>
internal sealed class ExportDownload(ExportJobs jobs, string databasePath)
{
    /// <summary>Download attempts in a row that bring no new byte before the run fails (resumably).</summary>
    private const int MaxDownloadsWithoutProgress = 5;

    /// <summary>The window with its whole, verified file on disk (saved as Downloaded), or null when it has to be exported again.</summary>
    public async Task<ExportWindow?> FetchAsync(FullPassRun state, ExportWindow window, CancellationToken ct)
    {
        var path = ExportFiles.PathOf(databasePath, window);
        if (!await DownloadAsync(state, window, path, ct).ConfigureAwait(false)) return null;
        if (!Verify(jobs[window.Index], path)) return null;
        return jobs.Save(jobs[window.Index] with { State = ExportWindowState.Downloaded });
    }

    /// <summary>Downloads until the file is whole; false when the window has to be exported again.</summary>
    private async Task<bool> DownloadAsync(FullPassRun state, ExportWindow window, string path, CancellationToken ct)
    {
        var withoutProgress = 0;
        await using var file = DatabaseFile.OpenOwnerOnly(path, FileMode.OpenOrCreate, FileShare.None);
        while (true)
        {
            var before = file.Length;
            var result = await jobs.Export.DownloadAsync(window.ExportId!, file, ct).ConfigureAwait(false);
            var arrived = Math.Max(0, result.BytesOnDisk - before);
            state.Checkpoint(r => r with { BulkBytes = r.BulkBytes + arrived });
            switch (result.Outcome)
            {
                case FileDownloadOutcome.Complete:
                    return true;
                case FileDownloadOutcome.NotAvailable:
                    await file.DisposeAsync().ConfigureAwait(false);
                    jobs.Retry(window, $"The file of export job {window.ExportId} is not served (expired or gone)");
                    return false;
            }
            withoutProgress = result.BytesOnDisk > before ? 0 : withoutProgress + 1;
            EngineObserver.Current.Verbose($"Download of export job {window.ExportId} interrupted at {result.BytesOnDisk:N0} of {result.TotalSize?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes ({result.Problem}); continuing from there.");
            if (withoutProgress >= MaxDownloadsWithoutProgress)
                throw new SalesSyncApiException(MarketoClient.ServiceName, "NETWORK",
                    $"The download of export job {window.ExportId} made no progress in {withoutProgress} attempts ({result.Problem})", ApiFailureKind.Transient);
        }
    }

    /// <summary>Checks the whole file against the job's sha256; a mismatch downloads it again (bounded).</summary>
    private bool Verify(ExportWindow window, string path)
    {
        if (window.Checksum is not { } expected || !expected.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            EngineObserver.Current.Warning($"Export job {window.ExportId} gave no sha256 checksum; its file is used unchecked.");
            return true;
        }
        string actual;
        using (var stream = File.OpenRead(path)) actual = Convert.ToHexString(SHA256.HashData(stream));
        if (actual.Equals(expected["sha256:".Length..], StringComparison.OrdinalIgnoreCase)) return true;
        File.Delete(path);
        if (window.Attempts + 1 >= ExportJobs.MaxAttemptsPerWindow)
            throw new SalesSyncApiException(MarketoClient.ServiceName, "CHECKSUM",
                $"The file of export job {window.ExportId} failed its sha256 check {ExportJobs.MaxAttemptsPerWindow} times", ApiFailureKind.Transient);
        EngineObserver.Current.Warning($"The file of export job {window.ExportId} does not match its sha256 checksum; downloading it again.");
        DatabaseFile.TryCreateOwnerOnly(path);
        jobs.Save(window with { Attempts = window.Attempts + 1 });
        return false;
    }
}
