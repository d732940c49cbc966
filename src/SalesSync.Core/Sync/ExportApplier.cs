using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// Applies a downloaded export file as a stream: rows are read one by one, 1,000 eligible people per batch go
/// through the opportunity lookup and one store transaction, the row reached is saved after each batch, and
/// each batch's changes are handed on at once. Nothing holds more than one batch, whatever the window's size
/// (a list export is the whole population). The file is deleted as soon as the window is applied.
/// </summary>
internal sealed class ExportApplier(PeopleSync owner, ExportJobs jobs, string databasePath)
{
    /// <summary>Rows written per transaction (and per opportunity lookup).</summary>
    internal const int BatchSize = 1000;

    /// <summary>Each applied batch's changes, from the saved row on; a file that cannot be read sends the window back to be exported again.</summary>
    public async IAsyncEnumerable<IReadOnlyList<PersonWrite>> ApplyAsync(FullPassRun state, ExportWindow window, [EnumeratorCancellation] CancellationToken ct)
    {
        var path = ExportFiles.PathOf(databasePath, window);
        if (!File.Exists(path))
        {
            jobs.Retry(window, $"The downloaded file of export job {window.ExportId} is gone");
            yield break;
        }
        var syncedAt = DateTimeOffset.UtcNow;
        string? unreadable = null;
        // The reader is closed before the file is deleted (Windows does not delete an open file).
        using (var rows = ExportFileReader.Read(path, window.RowsApplied, syncedAt).GetEnumerator())
        {
            while (unreadable is null)
            {
                (var batch, var lastRow, unreadable) = ReadBatch(rows, window.RowsApplied);
                if (unreadable is not null || lastRow == window.RowsApplied) break;
                var withOpportunities = await owner.WithOpportunitiesAsync(batch, ct).ConfigureAwait(false);
                var changes = state.Apply(withOpportunities, r => r);
                window = jobs.Save(window with { RowsApplied = lastRow });
                yield return changes;
                ct.ThrowIfCancellationRequested();
            }
        }
        if (unreadable is not null)
        {
            // The file passed its checksum yet cannot be read: export the window again (bounded).
            jobs.Retry(jobs[window.Index], $"The file of export job {window.ExportId} cannot be read ({unreadable})");
            yield break;
        }

        // Applied is saved before the file goes: a kill in between leaves a stray file (swept by the next run), never a window exported again.
        window = jobs.Save(window with { State = ExportWindowState.Applied });
        ExportFiles.Delete(databasePath, window);
        EngineObserver.Current.Verbose($"Applied {window.RowsApplied:N0} rows of export job {window.ExportId} ({window}).");
    }

    /// <summary>The next batch of eligible people and the last row read (rows of people not sales-owned are read and passed over).</summary>
    private static (List<PersonRecord> Batch, long LastRow, string? Unreadable) ReadBatch(IEnumerator<(long Row, PersonRecord? Person)> rows, long lastRow)
    {
        var batch = new List<PersonRecord>(BatchSize);
        try
        {
            while (batch.Count < BatchSize && rows.MoveNext())
            {
                lastRow = rows.Current.Row;
                if (rows.Current.Person is { } person && MarketoPersonFields.IsEligible(person)) batch.Add(person);
            }
        }
        catch (Exception e) when (e is InvalidDataException or CsvHelper.CsvHelperException)
        {
            return ([], lastRow, e.Message);
        }
        return (batch, lastRow, null);
    }
}
