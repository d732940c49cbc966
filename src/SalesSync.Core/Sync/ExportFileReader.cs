using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// Reads a bulk export file row by row with a real CSV parser (quoted commas, doubled quotes and
/// newlines inside values), never the whole file in memory. Marketo writes an empty value as the
/// literal <c>null</c>; a value that is literally "null" cannot be told apart, so it is read as empty.
/// </summary>
internal static class ExportFileReader
{
    private const string NullLiteral = "null";

    /// <summary>Each row as a person (rows without a usable id are skipped and counted), from row <paramref name="skipRows"/> on.</summary>
    public static IEnumerable<(long Row, PersonRecord? Person)> Read(string path, long skipRows, DateTimeOffset syncedAt)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var text = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            Mode = CsvMode.RFC4180,
            TrimOptions = TrimOptions.None, // values are kept exactly as Marketo holds them
            BadDataFound = null,
            MissingFieldFound = null,
            DetectColumnCountChanges = false,
            IgnoreBlankLines = true,
        };
        using var csv = new CsvReader(text, configuration);
        if (!csv.Read() || !csv.ReadHeader()) yield break;
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        var header = csv.HeaderRecord ?? [];
        for (var i = 0; i < header.Length; i++) columns.TryAdd(header[i], i);
        if (!columns.ContainsKey("id"))
            throw new InvalidDataException($"The export file has no 'id' column (columns: {string.Join(", ", header)}).");

        long row = 0;
        while (csv.Read())
        {
            row++;
            if (row <= skipRows) continue;
            yield return (row, MarketoPersonFields.FromValues(name => Value(csv, columns, name), syncedAt));
        }
    }

    private static string? Value(CsvReader csv, Dictionary<string, int> columns, string name)
    {
        if (!columns.TryGetValue(name, out var index) || index >= csv.Parser.Count) return null;
        var value = csv.GetField(index);
        if (value is null || value == NullLiteral) return null;
        // Some exports carry NUL bytes inside values (Airbyte strips them too); they are never data.
        return value.Contains('\0') ? value.Replace("\0", "", StringComparison.Ordinal) : value;
    }
}
