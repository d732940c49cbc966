namespace SalesSync.Core.Report;

// The template's model: every value already a string in the invariant culture, so the page reads the same on any
// machine and a table cell is exactly the figure the chart above it draws. The template HTML-encodes all of it;
// only Svg (ScottPlot's output, whose text Skia escapes) is written raw.

internal sealed record PageView(
    string Title, string Generator, string GeneratedAt, string Since, string Instance, string Salesforce,
    string State, string StateClass, IReadOnlyList<FindingView> Findings, IReadOnlyList<SectionView> Sections, string Css);

internal sealed record FindingView(string Rule, string State, string StateClass, string Message);

internal sealed record SectionView(string Id, string Title, string Intro, IReadOnlyList<FactView> Facts, IReadOnlyList<ChartView> Charts, IReadOnlyList<TableView> Tables)
{
    /// <summary>What the page shows in order: each chart with its table, then the tables without a chart (Svg empty).</summary>
    public IReadOnlyList<ChartView> Blocks => [.. Charts, .. Tables.Select(t => new ChartView("", "", "", t))];

    /// <summary>A warning shown prominently under the intro (empty: none), e.g. emails sent to unsubscribed people.</summary>
    public string Callout { get; init; } = "";
}

internal sealed record FactView(string Label, string Value);

/// <summary>A chart and the table of the numbers it draws, shown beneath it.</summary>
internal sealed record ChartView(string Id, string Title, string Svg, TableView Table);

internal sealed record TableView(string Id, string Caption, IReadOnlyList<ColumnView> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, string Empty, string Note);

/// <summary>A column: numeric ones are right-aligned and never wrap; Long ones (emails, ids, messages) may break anywhere.</summary>
internal sealed record ColumnView(string Name, bool Numeric, bool Long = false)
{
    public string Class => Numeric ? "num" : Long ? "long" : "";
}
