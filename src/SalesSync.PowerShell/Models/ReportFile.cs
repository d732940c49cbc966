namespace SalesSync;

/// <summary>The report Export-SalesSyncReport wrote (-PassThru): where, what it says, what it covers. Flat, for CSV and JSON.</summary>
public sealed class ReportFile
{
    public string Path { get; init; } = "";
    public string Title { get; init; } = "";

    /// <summary>The headline: Healthy, NeedsAttention or Failing (Get-SalesSyncStatus's rules).</summary>
    public string State { get; init; } = "";

    /// <summary>How many health rules found something (their messages are the report's headline).</summary>
    public int Findings { get; init; }
    public DateTimeOffset GeneratedAt { get; init; }
    public DateTimeOffset Since { get; init; }
    public long Bytes { get; init; }
}
