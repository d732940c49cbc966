using SalesSync.Core.Http;

namespace SalesSync.Core.Tests.Engine;

public class RetryAfterHeaderTests
{
    private static readonly DateTimeOffset Now = new(2015, 10, 21, 7, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("120", 120)]
    [InlineData("0", 0)]
    [InlineData("1", 1)]
    [InlineData("007", 7)]
    [InlineData("3600", 3600)]
    public void DeltaSecondsIsTheWholeDelay(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfterHeader.Parse(value, Now));

    [Fact]
    public void DeltaSecondsUsesTotalSecondsNotTheSecondsComponent()
    {
        // PnP's pitfall: TimeSpan.Seconds of 90 s is 30.
        var delay = RetryAfterHeader.Parse("90", Now);
        Assert.Equal(90, delay!.Value.TotalSeconds);
    }

    [Theory]
    [InlineData("Wed, 21 Oct 2015 07:28:00 GMT")] // IMF-fixdate, the "r" format
    [InlineData("wed, 21 oct 2015 07:28:00 gmt")] // case-insensitive
    [InlineData("Wed, 21 Oct 2015 07:28:00 UTC")]
    [InlineData("Wed, 21 Oct 2015 07:28:00 +00:00")]
    [InlineData("Wed, 21 Oct 2015 09:28:00 +02:00")]
    [InlineData("Wed, 21 Oct 2015 07:28:00")] // no zone: HTTP-dates are always GMT
    [InlineData("Thu, 21 Oct 2015 07:28:00 GMT")] // wrong day name: the date wins
    [InlineData("21 Oct 2015 07:28:00 GMT")] // no day name
    [InlineData("Wednesday, 21-Oct-15 07:28:00 GMT")] // obsolete RFC 850
    [InlineData("Wed Oct 21 07:28:00 2015")] // obsolete asctime
    [InlineData("Sun Nov  1 07:28:00 2015", 11 * 24 * 60 * 60)] // asctime pads the day with a space
    [InlineData("Sun, 1 Nov 2015 07:28:00 GMT", 11 * 24 * 60 * 60)] // one-digit day
    public void HttpDateIsTheTimeUntilThatDate(string value, int offsetSeconds = 0)
    {
        Assert.Equal(TimeSpan.FromMinutes(28) + TimeSpan.FromSeconds(offsetSeconds), RetryAfterHeader.Parse(value, Now));
    }

    [Fact]
    public void HttpDateIsMeasuredFromNowInAnyOffset()
    {
        var now = new DateTimeOffset(2015, 10, 21, 9, 27, 30, TimeSpan.FromHours(2)); // 07:27:30 GMT
        Assert.Equal(TimeSpan.FromSeconds(30), RetryAfterHeader.Parse("Wed, 21 Oct 2015 07:28:00 GMT", now));
    }

    [Theory]
    [InlineData("Wed, 21 Oct 2015 06:59:59 GMT")]
    [InlineData("Wed, 21 Oct 2015 07:00:00 GMT")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT")]
    public void DateNotInTheFutureIsZero(string value) => Assert.Equal(TimeSpan.Zero, RetryAfterHeader.Parse(value, Now));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("-0")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("12 0")]
    [InlineData("120s")]
    [InlineData("0x10")]
    [InlineData("٣")] // Arabic-Indic digit: not DIGIT in HTTP
    [InlineData("Wed, 32 Oct 2015 07:28:00 GMT")]
    [InlineData("Wed, 21 Oct 2015 25:28:00 GMT")]
    [InlineData("Wed, 21 Foo 2015 07:28:00 GMT")]
    [InlineData("2015-10-21")]
    [InlineData("1/5")]
    public void MissingGarbageOrNegativeIsNull(string? value) => Assert.Null(RetryAfterHeader.Parse(value, Now));

    [Theory]
    [InlineData(" 120", 120)]
    [InlineData("120 ", 120)]
    [InlineData("\t120\r\n", 120)]
    public void SurroundingWhitespaceIsIgnored(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfterHeader.Parse(value, Now));

    [Fact]
    public void SurroundingWhitespaceAroundADateIsIgnored() =>
        Assert.Equal(TimeSpan.FromMinutes(28), RetryAfterHeader.Parse("  Wed, 21 Oct 2015 07:28:00 GMT \t", Now));

    [Fact]
    public void HugeValuesAreReturnedAsTheyAreForThePolicyToCap()
    {
        Assert.Equal(TimeSpan.FromDays(365), RetryAfterHeader.Parse("31536000", Now));
        Assert.Equal(TimeSpan.FromSeconds(2_147_483_648L), RetryAfterHeader.Parse("2147483648", Now));
        Assert.Equal(TimeSpan.FromDays(36_524), RetryAfterHeader.Parse("Mon, 21 Oct 2115 07:00:00 GMT", Now)); // 100 years, 24 leap days (2100 is not one)

        // Too large for a TimeSpan: saturates rather than failing (RFC 9110 says to use the largest value we can hold).
        Assert.Equal(TimeSpan.MaxValue, RetryAfterHeader.Parse("922337203686", Now));
        Assert.Equal(TimeSpan.MaxValue, RetryAfterHeader.Parse("99999999999999999999999999999", Now));
        var largest = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond;
        Assert.Equal(TimeSpan.FromTicks(largest * TimeSpan.TicksPerSecond), RetryAfterHeader.Parse(largest.ToString(), Now));
    }

    [Fact]
    public void PolicyCapsWhatTheHeaderAsks()
    {
        var settings = new RetrySettings { MaxDelay = TimeSpan.FromSeconds(30) };
        foreach (var header in new[] { "3600", "922337203686", "Sun, 21 Oct 2115 07:00:00 GMT" })
        {
            var error = new SalesSyncApiException("Salesforce", "HTTP 429", "slow down", ApiFailureKind.Throttled)
            {
                RetryAfter = RetryAfterHeader.Parse(header, Now),
            };
            Assert.Equal(settings.MaxDelay, RetryPipelineFactory.Delay(settings, error, 0));
        }
    }

    [Fact]
    public void FromFindsTheHeaderCaseInsensitively()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), RetryAfterHeader.From([new("Content-Type", "application/json"), new("retry-after", "5")], Now));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryAfterHeader.From([new("RETRY-AFTER", "5")], Now));
        Assert.Equal(TimeSpan.FromSeconds(5), RetryAfterHeader.From([new("Retry-After", "5")], Now));
        Assert.Equal(TimeSpan.FromMinutes(28), RetryAfterHeader.From([new("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], Now));
    }

    [Fact]
    public void FromSkipsUnusableValues()
    {
        Assert.Null(RetryAfterHeader.From(null, Now));
        Assert.Null(RetryAfterHeader.From([], Now));
        Assert.Null(RetryAfterHeader.From([new("X-Retry-After", "5"), new("Retry-After-Ms", "5")], Now));
        Assert.Null(RetryAfterHeader.From([new("Retry-After", null)], Now));
        Assert.Null(RetryAfterHeader.From([new("Retry-After", "later")], Now));
        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfterHeader.From([new("Retry-After", "later"), new("retry-after", "7")], Now));
        Assert.Equal(TimeSpan.FromSeconds(7), RetryAfterHeader.From([new("Retry-After", "7"), new("Retry-After", "9")], Now));
    }
}
