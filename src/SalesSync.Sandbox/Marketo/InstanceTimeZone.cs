namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The time zone of the emulated Marketo instance: America/Chicago, where the daily API quota and the
/// daily bulk export quota reset at midnight, and in which zone-less datetimes are read.
/// </summary>
public static class InstanceTimeZone
{
    public static readonly TimeZoneInfo Central = Find();

    /// <summary>The instance's calendar day at <paramref name="utc"/> (the day a daily quota counts in).</summary>
    public static DateOnly Day(DateTimeOffset utc) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(utc, Central).DateTime);

    private static TimeZoneInfo Find()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("America/Chicago"); }
        catch (TimeZoneNotFoundException) { return TimeZoneInfo.CreateCustomTimeZone("CST", TimeSpan.FromHours(-6), "CST", "CST"); }
    }
}
