using System.Text;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The file formats of Bulk Lead Extract. SSV is semicolon-separated: bulk-extract.md says so, while
/// bulk-lead-extract.md says "space"; a space delimiter would force quotes around most names and titles.
/// </summary>
public static class BulkFileFormat
{
    public const string Csv = "CSV";
    public const string Tsv = "TSV";
    public const string Ssv = "SSV";

    /// <summary>The canonical name (case-insensitive match), or null for an unknown format.</summary>
    public static string? Parse(string text) =>
        new[] { Csv, Tsv, Ssv }.FirstOrDefault(f => f.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));

    public static char Delimiter(string format) => format switch
    {
        Tsv => '\t',
        Ssv => ';',
        _ => ',',
    };

    public static string ContentType(string format) => format switch
    {
        Tsv => "text/tab-separated-values; charset=utf-8",
        Ssv => "text/plain; charset=utf-8",
        _ => "text/csv; charset=utf-8",
    };
}

/// <summary>
/// Writes people as Marketo's bulk files: RFC 4180 rules (CRLF after every record, a field quoted when it
/// holds the delimiter, a quote, CR or LF, quotes doubled) with the format's delimiter; a header row of
/// REST names or their <c>columnHeaderNames</c>; an empty value (null or "") as the literal <c>null</c>;
/// every other value exactly as stored, in UTF-8 without a byte-order mark.
/// </summary>
public sealed class BulkCsvWriter(TextWriter output, char delimiter)
{
    public static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the header and one row per person; returns the number of rows (the header not counted).</summary>
    public static long Write(Stream destination, string format, IReadOnlyList<string> fields,
        IReadOnlyDictionary<string, string> columnHeaderNames, IEnumerable<MarketoPerson> people)
    {
        using var text = new StreamWriter(destination, Utf8, bufferSize: 64 * 1024, leaveOpen: true);
        var writer = new BulkCsvWriter(text, BulkFileFormat.Delimiter(format));
        writer.WriteRecord(fields.Select(f => columnHeaderNames.GetValueOrDefault(f, f)));
        long rows = 0;
        foreach (var person in people)
        {
            writer.WriteRecord(fields.Select(f => Text(person[f])));
            rows++;
        }
        return rows;
    }

    /// <summary>A stored value as text: datetimes in UTC as the REST API writes them, the rest as the change log does.</summary>
    private static string? Text(object? value) =>
        value is DateTimeOffset at ? MarketoPerson.AsLogString(at.ToUniversalTime()) : MarketoPerson.AsLogString(value);

    public void WriteRecord(IEnumerable<string?> values)
    {
        var first = true;
        foreach (var value in values)
        {
            if (!first) output.Write(delimiter);
            first = false;
            WriteField(value);
        }
        output.Write("\r\n");
    }

    private void WriteField(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            output.Write("null");
            return;
        }
        if (value.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) < 0)
        {
            output.Write(value);
            return;
        }
        output.Write('"');
        output.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        output.Write('"');
    }
}
