using System.Globalization;

namespace SalesSync.Core.Status;

/// <summary>Short, culture-invariant wording for status lines (they must fit an 80-column console).</summary>
public static class StatusText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"12 min ago", "3 h ago", "2.5 d ago".</summary>
    public static string Ago(DateTimeOffset now, DateTimeOffset then) => $"{Age(now - then)} ago";

    /// <summary>A span in its largest useful unit: "45 s", "12 min", "3.5 h", "2.5 d".</summary>
    public static string Age(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalMinutes < 1) return $"{span.TotalSeconds.ToString("0", Invariant)} s";
        if (span.TotalHours < 1) return $"{span.TotalMinutes.ToString("0", Invariant)} min";
        if (span.TotalDays < 1) return $"{span.TotalHours.ToString("0.#", Invariant)} h";
        return Days(span);
    }

    public static string Days(TimeSpan span) => $"{span.TotalDays.ToString("0.#", Invariant)} d";

    public static string Number(long n) => n.ToString("N0", Invariant);

    /// <summary>A count in at most 6 characters: "99,999", "123k", "1.23M" (exact figures are beside the line).</summary>
    public static string Compact(long n) => n switch
    {
        < 100_000 => Number(n),
        < 1_000_000 => $"{(n / 1000.0).ToString("0", Invariant)}k",
        _ => $"{(n / 1_000_000.0).ToString("0.##", Invariant)}M",
    };

    public static string Percent(double share) => share.ToString("P0", Invariant).Replace(" ", "", StringComparison.Ordinal);

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", Invariant);

    /// <summary>" since 2026-12-05 10:02Z by alice", or "" when never changed (the default).</summary>
    public static string ChangedBy(DateTimeOffset? at, string? by) =>
        at is { } when ? $" since {Stamp(when)}{(string.IsNullOrEmpty(by) ? "" : $" by {by}")}" : "";

    /// <summary>The reason's key: the code before its first colon ("INACTIVE_OWNER_OR_USER: ..." → INACTIVE_OWNER_OR_USER), else the text.</summary>
    public static string ReasonKey(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason)) return "(no reason)";
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        var key = (colon > 0 ? reason[..colon] : reason).Trim();
        return key.Length <= 40 ? key : key[..40].TrimEnd() + "...";
    }

    /// <summary>"3 INACTIVE_OWNER_OR_USER, 2 other": the commonest reason and the rest.</summary>
    public static string TopReasons(IReadOnlyList<ReasonCount> reasons)
    {
        if (reasons.Count == 0) return "no reason recorded";
        var top = reasons[0];
        var rest = reasons.Skip(1).Sum(r => r.Count);
        return rest == 0 ? $"{Number(top.Count)} {top.Reason}" : $"{Number(top.Count)} {top.Reason}, {Number(rest)} other";
    }

    /// <summary>"INACTIVE_OWNER_OR_USER=169; 1003=5": every reason with its count, commonest first (one flat string for Export-Csv).</summary>
    public static string AllReasons(IReadOnlyList<ReasonCount> reasons) => string.Join("; ", reasons.Select(r => $"{r.Reason}={r.Count.ToString(Invariant)}"));
}
