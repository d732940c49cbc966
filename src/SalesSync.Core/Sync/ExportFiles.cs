using System.Text.RegularExpressions;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// The export files of the bulk pass, in <c>&lt;database&gt;.exports</c>: plaintext CSV of names, emails and
/// phones, so they exist only while a window needs them. A window's file is created (owner-only) when its
/// job completes and deleted once it is applied, retried or abandoned; any other file of ours in the folder
/// (a kill between "applied" and the delete, an abandoned run's download) is swept at the next run.
/// </summary>
internal static partial class ExportFiles
{
    public static string FolderOf(string databasePath) => databasePath + ".exports";

    /// <summary>
    /// The file of a window: "{runId}-{index}-{exportId}.csv". The export id comes from Marketo, so it must be
    /// the GUID Marketo documents before it becomes part of a path that is later deleted.
    /// </summary>
    public static string PathOf(string databasePath, ExportWindow window)
    {
        if (!BulkExportIds.IsValid(window.ExportId))
            throw new IOException($"Refusing to name a file after export id '{BulkExportIds.Shorten(window.ExportId)}' of {window}: it is not a GUID.");
        return Path.Combine(FolderOf(databasePath), $"{window.RunId}-{window.Index}-{window.ExportId}.csv");
    }

    /// <summary>Whether a window is at a step where its file exists (the job completed, not yet applied).</summary>
    public static bool HoldsFile(ExportWindow window) =>
        window.State is ExportWindowState.Completed or ExportWindowState.Downloaded && BulkExportIds.IsValid(window.ExportId);

    /// <summary>Creates the window's empty file, owner-only, in an owner-only folder (left as it is when it exists).</summary>
    public static string Create(string databasePath, ExportWindow window)
    {
        var path = PathOf(databasePath, window);
        DatabaseFile.EnsureOwnerOnlyFolder(FolderOf(databasePath));
        if (!File.Exists(path) && !DatabaseFile.TryCreateOwnerOnly(path))
            throw new IOException($"Could not create '{path}'.");
        return path;
    }

    /// <summary>Deletes the window's file if there is one (an invalid id names no file of ours).</summary>
    public static void Delete(string databasePath, ExportWindow window)
    {
        if (BulkExportIds.IsValid(window.ExportId)) File.Delete(PathOf(databasePath, window));
    }

    /// <summary>
    /// Deletes every file of ours in the folder that no live window owns (<paramref name="live"/>: the window
    /// records still in the store), then the folder if it is empty. Only names SalesSync gives its files are
    /// touched: anything else in the folder was put there by someone else and is left alone.
    /// </summary>
    public static int SweepStrays(string databasePath, IEnumerable<ExportWindow> live)
    {
        var folder = FolderOf(databasePath);
        if (!Directory.Exists(folder)) return 0;
        var owned = live.Where(HoldsFile).Select(w => Path.GetFileName(PathOf(databasePath, w))).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var swept = 0;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            if (!OurName().IsMatch(name) || owned.Contains(name)) continue;
            File.Delete(file);
            swept++;
            EngineObserver.Current.Verbose($"Deleted {name}: an export file no live export window owns (left by an abandoned or killed run).");
        }
        RemoveFolderIfEmpty(databasePath);
        return swept;
    }

    public static void RemoveFolderIfEmpty(string databasePath)
    {
        var folder = FolderOf(databasePath);
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"^\d{1,10}-\d{1,10}-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\.csv$", RegexOptions.CultureInvariant)]
    private static partial Regex OurName();
}
