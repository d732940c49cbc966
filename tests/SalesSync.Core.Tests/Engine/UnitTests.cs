using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;

namespace SalesSync.Core.Tests.Engine;

public class SoqlTests
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("Bob's BBQ", @"'Bob\'s BBQ'")]
    [InlineData(@"back\slash", @"'back\\slash'")]
    [InlineData("line\nbreak\ttab\r", @"'line\nbreak\ttab\r'")]
    [InlineData("say \"hi\"", "'say \\\"hi\\\"'")]
    [InlineData("100%_sure", "'100%_sure'")]
    public void QuoteEscapesReservedCharacters(string input, string expected) => Assert.Equal(expected, Soql.Quote(input));

    [Fact]
    public void LikeEscapesWildcards() => Assert.Equal(@"'100\%\_sure%'", Soql.QuoteLike("100%_sure", suffix: true));

    [Fact]
    public void IdsAreValidated()
    {
        Assert.Equal("'00Q5g000000000aAAA'", Soql.Id("00Q5g000000000aAAA"));
        Assert.Throws<ArgumentException>(() => Soql.Id("00Q' OR Id != null"));
        Assert.Equal("('a',true,null)", Soql.InList(["a", true, null]));
        Assert.Throws<ArgumentException>(() => Soql.InList(Enumerable.Range(0, 201).Select(i => (object?)i)));
    }
}

public class MarketoResponseTests
{
    [Fact]
    public void EveryMemberIsOptional()
    {
        var r = MarketoResponse.Parse("""{"success":true}""");
        Assert.True(r.Success);
        Assert.Empty(r.Result);
        Assert.Empty(r.Errors);
        Assert.Null(r.NextPageToken);
        Assert.Null(r.MoreResult);
    }

    [Fact]
    public void CodesMayBeNumbersAndWarningsStrings()
    {
        var r = MarketoResponse.Parse("""{"requestId":"a#b","success":false,"errors":[{"code":601}],"warnings":["No assets found"]}""");
        Assert.False(r.Success);
        Assert.Equal("601", r.Errors[0].Code);
        Assert.Equal("", r.Errors[0].Message);
        Assert.Single(r.Warnings);
    }

    [Theory]
    [InlineData("601", ApiFailureKind.Reauthenticate)]
    [InlineData("602", ApiFailureKind.Reauthenticate)]
    [InlineData("606", ApiFailureKind.Throttled)]
    [InlineData("615", ApiFailureKind.Throttled)]
    [InlineData("607", ApiFailureKind.QuotaExhausted)]
    [InlineData("604", ApiFailureKind.Transient)]
    [InlineData("608", ApiFailureKind.Transient)]
    [InlineData("611", ApiFailureKind.Transient)]
    [InlineData("713", ApiFailureKind.Transient)]
    [InlineData("603", ApiFailureKind.Unauthorized)]
    [InlineData("1006", ApiFailureKind.InvalidRequest)]
    [InlineData("610", ApiFailureKind.InvalidRequest)]
    public void MarketoCodesAreClassifiedPerTheReferenceTable(string code, ApiFailureKind kind) =>
        Assert.Equal(kind, MarketoErrorClassifier.Classify(code));

    [Theory]
    [InlineData(401, "INVALID_SESSION_ID", "Session expired or invalid", ApiFailureKind.Reauthenticate)]
    [InlineData(401, "INVALID_SESSION_ID", "This session is not valid for use with the REST API", ApiFailureKind.Unauthorized)]
    [InlineData(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", ApiFailureKind.QuotaExhausted)]
    [InlineData(403, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded", ApiFailureKind.Throttled)]
    [InlineData(503, null, null, ApiFailureKind.Transient)]
    [InlineData(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access", ApiFailureKind.Transient)]
    [InlineData(400, "MALFORMED_QUERY", "bad", ApiFailureKind.InvalidRequest)]
    [InlineData(403, "INSUFFICIENT_ACCESS", "no", ApiFailureKind.Unauthorized)]
    public void SalesforceErrorsAreClassified(int status, string? code, string? message, ApiFailureKind kind) =>
        Assert.Equal(kind, SalesforceErrorClassifier.Classify(status, code, message));
}

public class LimitSettingsTests
{
    [Fact]
    public void SettingsBeyondTheDocumentedMaximaAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MarketoLimitSettings { CallsPerWindow = 101 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MarketoLimitSettings { ConcurrentCalls = 11 }.Validate());
        Assert.Equal(100, new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10 }.Validate().CallsPerWindow);
    }

    [Fact]
    public void DailyBudgetResetsAtMidnightUsCentral()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 7, 1, 4, 0, 0, TimeSpan.Zero)); // 23:00 CDT on 30 June
        var budget = new DailyCallBudget(2, time);
        Assert.True(budget.TryConsume());
        Assert.True(budget.TryConsume());
        Assert.False(budget.TryConsume());
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 5, 0, 0, TimeSpan.Zero), budget.NextReset);
        time.Now = time.Now.AddHours(1).AddMinutes(1); // 00:01 CDT on 1 July
        Assert.True(budget.TryConsume());
        budget.MarkExhausted();
        Assert.False(budget.TryConsume());
    }

    [Fact]
    public void SecretsNeverPrint()
    {
        var secret = new Secret("s3cr3t");
        Assert.DoesNotContain("s3cr3t", secret.ToString());
        Assert.DoesNotContain("s3cr3t", $"{secret}");
        Assert.Equal("s3cr3t", secret.Reveal());
    }

    [Theory]
    [InlineData("https://123-abc-456.mktorest.com", true)]
    [InlineData("http://127.0.0.1:5000", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:5000", true)]
    [InlineData("http://123-abc-456.mktorest.com", false)]
    [InlineData("ftp://127.0.0.1", false)]
    public void OnlyLoopbackMayUsePlainHttp(string uri, bool allowed) => Assert.Equal(allowed, UriPolicy.Check(new Uri(uri)) is null);

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
