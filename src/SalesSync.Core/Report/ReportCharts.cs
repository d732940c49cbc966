using System.Globalization;
using System.Xml.Linq;
using ScottPlot;

namespace SalesSync.Core.Report;

/// <summary>One series of a bar chart: its name (the legend), one value per category, and a colour (#rrggbb) where it means something.</summary>
internal sealed record ChartSeries(string Name, IReadOnlyList<double> Values, string? Color = null);

/// <summary>A limit drawn across a chart (a daily quota, 500 MB, 100 calls per 20 s).</summary>
internal sealed record ChartLimit(string Name, double Value);

/// <summary>
/// The report's charts, drawn by ScottPlot as SVG. Labels are the report's own words, dates and numbers: no value read
/// from Marketo or Salesforce goes into a chart (those stay in the encoded tables), and Skia escapes SVG text anyway.
/// </summary>
internal static class ReportCharts
{
    public const int Width = 1000;
    public const int Height = 300;

    /// <summary>Stacked bars, one bar per category (a day, a kind and destination), one segment per series.</summary>
    public static string StackedBars(string label, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, string yLabel,
        ChartLimit? limit = null, bool horizontal = false)
    {
        // ScottPlot formats tick labels in the current culture: draw in the invariant one, as the tables are written.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return Draw(label, categories, series, yLabel, limit, horizontal);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static string Draw(string label, IReadOnlyList<string> categories, IReadOnlyList<ChartSeries> series, string yLabel, ChartLimit? limit, bool horizontal)
    {
        ReportFont.EnsureRegistered();
        var plot = new Plot();
        plot.Font.Set(ReportFont.Family);
        plot.Legend.FontName = ReportFont.Family;
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var top = new double[categories.Count];
        for (var s = 0; s < series.Count; s++)
        {
            var color = series[s].Color is { } hex ? Color.FromHex(hex) : palette.GetColor(s);
            for (var c = 0; c < categories.Count; c++)
            {
                var value = series[s].Values[c];
                bars.Add(new Bar { Position = c, ValueBase = top[c], Value = top[c] + value, FillColor = color, LineWidth = 0 });
                top[c] += value;
            }
            if (series.Count > 1) plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[s].Name, FillColor = color });
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = horizontal;
        // At most about 31 labels: a year of days labels every 12th day instead of printing 365 over each other.
        var step = Math.Max(1, (int)Math.Ceiling(categories.Count / 31.0));
        var labelled = Enumerable.Range(0, categories.Count).Where(i => i % step == 0).ToArray();
        var positions = labelled.Select(i => (double)i).ToArray();
        var categoryAxis = horizontal ? (ScottPlot.IAxis)plot.Axes.Left : plot.Axes.Bottom;
        var valueAxis = horizontal ? (ScottPlot.IAxis)plot.Axes.Bottom : plot.Axes.Left;
        if (categoryAxis is ScottPlot.AxisPanels.AxisBase axis)
        {
            axis.SetTicks(positions, labelled.Select(i => categories[i]).ToArray());
            axis.MajorTickStyle.Length = 0;
            // Many days: slant the labels so they never overlap.
            if (!horizontal && categories.Count > 10) { axis.TickLabelStyle.Rotation = -45; axis.TickLabelStyle.Alignment = Alignment.MiddleRight; }
        }
        valueAxis.Label.Text = yLabel;
        if (limit is { } l)
        {
            var line = horizontal ? (ScottPlot.Plottables.AxisLine)plot.Add.VerticalLine(l.Value) : plot.Add.HorizontalLine(l.Value);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Red;
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = l.Name, LineColor = Colors.Red, LinePattern = LinePattern.Dashed, LineWidth = 2 });
        }
        if (plot.Legend.ManualItems.Count > 0) plot.ShowLegend(Edge.Bottom);
        // Bars grow from zero; the limit line stays in view even when usage is far below it.
        if (horizontal) plot.Axes.Margins(left: 0, right: 0.1); else plot.Axes.Margins(bottom: 0, top: 0.1);
        plot.Axes.AutoScale();
        var max = Math.Max(top.DefaultIfEmpty(0).Max(), limit?.Value ?? 0);
        if (max <= 0) max = 1;
        if (horizontal) plot.Axes.SetLimitsX(0, max * 1.08); else plot.Axes.SetLimitsY(0, max * 1.08);
        if (categories.Count == 0) { if (horizontal) plot.Axes.SetLimitsY(-0.5, 0.5); else plot.Axes.SetLimitsX(-0.5, 0.5); }
        var height = horizontal ? Math.Max(Height, 80 + 28 * categories.Count) : Height;
        return Scalable(plot.GetSvgXml(Width, height), Width, height, label);
    }

    /// <summary>
    /// ScottPlot's SVG has a fixed width and height and an XML declaration: drop the declaration and give it a viewBox,
    /// so the page (and a printed page) can scale it to the width at hand.
    /// </summary>
    private static string Scalable(string svg, int width, int height, string label)
    {
        var root = XDocument.Parse(svg).Root ?? throw new InvalidOperationException("ScottPlot returned no SVG.");
        root.SetAttributeValue("viewBox", $"0 0 {width} {height}");
        root.SetAttributeValue("width", null);
        root.SetAttributeValue("height", null);
        root.SetAttributeValue("preserveAspectRatio", "xMidYMid meet");
        root.SetAttributeValue("role", "img");
        root.SetAttributeValue("aria-label", label);
        // Skia names the family it measured with; add the generic fallback for a viewer without the page's @font-face.
        foreach (var e in root.Descendants().Where(e => e.Attribute("font-family") is not null)) e.SetAttributeValue("font-family", ReportFont.SvgFontFamily);
        return root.ToString(SaveOptions.DisableFormatting);
    }
}
