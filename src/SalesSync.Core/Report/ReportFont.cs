using ScottPlot;
using SkiaSharp;

namespace SalesSync.Core.Report;

/// <summary>
/// The one font every chart is measured and drawn with: DejaVu Sans (Bitstream Vera licence, see THIRD-PARTY-NOTICES.md),
/// cut to the Latin, punctuation and arrow glyphs the charts' own words use, embedded in this assembly. Skia in
/// SkiaSharp's NoDependencies build finds no font on a machine without /usr/share/fonts (a runbook container) and
/// then writes labels with no glyphs; with this font the labels are the same on every writing machine, and the page
/// inlines the same file (@font-face, a data: URI) so a reader sees the glyphs the positions were measured for.
/// </summary>
internal static class ReportFont
{
    /// <summary>The family name ScottPlot is given, the SVG text names and the page's @font-face declares.</summary>
    public const string Family = "DejaVu Sans";

    /// <summary>What the SVG text's font-family says: the embedded family, then any sans-serif if a viewer drops the @font-face.</summary>
    public const string SvgFontFamily = "'DejaVu Sans', sans-serif";

    private const string Resource = "SalesSync.Core.Report.Fonts.DejaVuSans-subset.ttf";

    private static readonly Lazy<byte[]> Bytes = new(() =>
    {
        using var stream = typeof(ReportFont).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The report font {Resource} is missing from SalesSync.Core.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    private static readonly Lazy<string> DataUri = new(() => "data:font/ttf;base64," + Convert.ToBase64String(Bytes.Value));

    private static readonly Lazy<bool> Registered = new(() =>
    {
        // First in ScottPlot's list, so our name never resolves to a system font of the same name with other metrics.
        Fonts.FontResolvers.Insert(0, new EmbeddedResolver());
        return true;
    });

    /// <summary>Makes the font known to ScottPlot (once per process); call before drawing.</summary>
    public static void EnsureRegistered() => _ = Registered.Value;

    /// <summary>The page's @font-face rule: the same bytes the charts were measured with, inline.</summary>
    public static string FontFaceCss => $"@font-face {{ font-family: \"{Family}\"; src: url(\"{DataUri.Value}\") format(\"truetype\"); font-weight: normal; font-style: normal; }}";

    private sealed class EmbeddedResolver : IFontResolver
    {
        // The typeface is made anew per request: ScottPlot disposes what a resolver returns.
        private static SKTypeface? Create(string fontName) =>
            string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase) ? SKTypeface.FromData(SKData.CreateCopy(Bytes.Value)) : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) => Create(fontName);

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) => Create(fontName);
    }
}
