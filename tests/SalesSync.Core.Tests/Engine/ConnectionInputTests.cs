using SalesSync.Core.Connection;

namespace SalesSync.Core.Tests.Engine;

/// <summary>What an admin types or pastes as a URI or a SALESSYNC_* variable (new-user trial, rows 3-10 and 37).</summary>
public class ConnectionInputTests
{
    [Theory]
    [InlineData("https://123-ABC-456.mktorest.com", "https://123-abc-456.mktorest.com/", false)]
    [InlineData("https://123-ABC-456.mktorest.com/", "https://123-abc-456.mktorest.com/", false)]
    [InlineData("123-ABC-456.mktorest.com", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("  123-ABC-456.mktorest.com  ", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("https://123-ABC-456.mktorest.com/rest/v1/", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("https://123-ABC-456.mktorest.com/rest", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("https://123-ABC-456.mktorest.com/identity", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("123-ABC-456.mktorest.com/REST/V1", "https://123-abc-456.mktorest.com/", true)]
    [InlineData("http://127.0.0.1:47100/", "http://127.0.0.1:47100/", false)]
    public void MarketoUrisAreReducedToTheInstanceRoot(string given, string expected, bool noted)
    {
        var (uri, note) = ServiceUri.Normalize(new Uri(given, UriKind.RelativeOrAbsolute), "Marketo");
        Assert.Equal(expected, uri.AbsoluteUri);
        Assert.Equal(noted, note is not null);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("ftp://123-abc-456.mktorest.com", "not an absolute http(s) URI")]
    [InlineData("https://123-abc-456.mktorest.com/?x=1", "query string")]
    [InlineData("https://123-abc-456.mktorest.com/#top", "fragment")]
    [InlineData("https://123-abc-456.mktorest.com/other", "has a path")]
    [InlineData("https://admin:hunter2@123-abc-456.mktorest.com/", "user name or password")]
    public void MarketoUrisThatCannotBeABaseAreRefused(string given, string why)
    {
        var e = Assert.Throws<ConnectFailedException>(() => ServiceUri.Normalize(new Uri(given, UriKind.RelativeOrAbsolute), "Marketo"));
        Assert.Equal(ConnectFailureReason.InvalidUri, e.Reason);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://user:p@ss@host/", "http://host/")]
    [InlineData("http://user:p@ss@host", "http://host")]
    [InlineData("http://host/a@b", "http://host/a@b")]
    public void UnparsedUriTextLosesAllItsUserInfoEvenWithAnAtInThePassword(string text, string shown) =>
        Assert.Equal(shown, ServiceUri.Display(text));

    [Fact]
    public void AQueryStringIsQuotedAsTyped()
    {
        var e = Assert.Throws<ConnectFailedException>(() => ServiceUri.Normalize(new Uri("https://123-abc-456.mktorest.com/?x=1"), "Marketo"));
        Assert.Contains("'https://123-abc-456.mktorest.com/?x=1'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v62.0", "v62.0")]
    [InlineData("V62.0", "v62.0")]
    [InlineData(" v62.0 ", "v62.0")]
    [InlineData("62.0", "v62.0")]
    [InlineData("62", "v62.0")]
    [InlineData("v62.5", null)]
    [InlineData("sixty-two", null)]
    [InlineData("", null)]
    public void SalesforceApiVersionsAreReadAsPeopleWriteThem(string given, string? expected) =>
        Assert.Equal(expected, ServiceUri.SalesforceApiVersion(given));

    [Fact]
    public void SalesforceUrisKeepNoPath()
    {
        Assert.Equal("https://acme.my.salesforce.com/", ServiceUri.Normalize(new Uri("acme.my.salesforce.com", UriKind.Relative), "Salesforce").Uri.AbsoluteUri);
        // Marketo's endpoint endings are Marketo's only.
        Assert.Throws<ConnectFailedException>(() => ServiceUri.Normalize(new Uri("https://acme.my.salesforce.com/rest"), "Salesforce"));
    }

    [Theory]
    [InlineData("https://123-ABC-456.mktorest.com", "123-abc-456.mktorest.com.db")]
    [InlineData("https://123-abc-456.mktorest.com:8443/", "123-abc-456.mktorest.com_8443.db")]
    [InlineData("http://127.0.0.1:47100/", "127.0.0.1_47100.db")]
    [InlineData("http://[::1]:47100/", "--1_47100.db")]
    public void TheDefaultDatabaseIsNamedAfterTheInstance(string marketo, string file) =>
        Assert.Equal(Path.Combine(ConnectionSettings.DatabaseFolder, file), ServiceUri.DefaultDatabaseFile(new Uri(marketo)));

    [Fact]
    public void ADatabaseVariableOfSpacesIsAnErrorNotTheDefault()
    {
        Assert.Null(EnvironmentSettings.ReadDatabase(_ => null));
        Assert.Equal("/data/x.db", EnvironmentSettings.ReadDatabase(_ => "/data/x.db"));
        var e = Assert.Throws<EnvironmentSettingException>(() => EnvironmentSettings.ReadDatabase(_ => "  "));
        Assert.Equal(EnvironmentSettings.Database, e.VariableName);
        Assert.Equal(EnvironmentSettingProblem.Malformed, e.Problem);
    }

    [Fact]
    public void EnvironmentUrisFollowTheParameterRules()
    {
        var values = new Dictionary<string, string>
        {
            [EnvironmentSettings.MarketoUri] = "123-ABC-456.mktorest.com/rest",
            [EnvironmentSettings.MarketoClientId] = "id",
            [EnvironmentSettings.MarketoClientSecret] = "secret",
        };
        Assert.Equal("123-ABC-456.mktorest.com/rest", EnvironmentSettings.Read(n => values.GetValueOrDefault(n)).MarketoUri.OriginalString); // normalized (and noted) at connect
        values[EnvironmentSettings.MarketoUri] = "https://123-abc-456.mktorest.com/?x=1";
        var e = Assert.Throws<EnvironmentSettingException>(() => EnvironmentSettings.Read(n => values.GetValueOrDefault(n)));
        Assert.Equal(EnvironmentSettings.MarketoUri, e.VariableName);
        Assert.Contains("query string", e.Message, StringComparison.Ordinal);
    }
}
