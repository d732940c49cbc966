namespace SalesSync.PowerShell.Base;

/// <summary>A DateTime a user typed ("2026-11-01", Get-Date) as a point in time: without a zone it means the user's local time.</summary>
internal static class LocalTime
{
    public static DateTimeOffset ToOffset(DateTime at) =>
        new(at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Local) : at);

    public static DateTimeOffset? ToOffset(DateTime? at) => at is { } value ? ToOffset(value) : null;
}
