using System.Diagnostics;
using System.Management.Automation;
using System.Net.Http.Json;

namespace SalesSync.PowerShell.Tests;

public class ConnectCmdletTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private System.Management.Automation.PowerShell Connect(System.Management.Automation.PowerShell ps, bool salesforce = true, PSCredential? marketo = null)
    {
        ps.AddCommand("Connect-SalesSync")
            .AddParameter("MarketoUri", sandbox.Host.MarketoUri)
            .AddParameter("MarketoCredential", marketo ?? sandbox.MarketoCredential)
            .AddParameter("Database", ModuleHost.TempDatabase())
            .AddParameter("Verbose", true)
            .AddParameter("Debug", true);
        if (salesforce)
            ps.AddParameter("SalesforceUri", sandbox.Host.SalesforceUri).AddParameter("SalesforceCredential", sandbox.SalesforceCredential);
        return ps;
    }

    [Fact]
    public void ConnectReturnsAConnectionWithoutSecrets()
    {
        using var ps = ModuleHost.NewShell();
        var output = Connect(ps).Invoke();
        Assert.False(ps.HadErrors);
        var info = Assert.Single(output);
        Assert.Equal("SalesSync.PowerShell.Models.SalesSyncConnectionInfo", info.BaseObject.GetType().FullName);
        Assert.Equal(sandbox.Host.State.Marketo.ClientId, info.Properties["MarketoClientId"].Value);
        Assert.NotNull(info.Properties["SalesforceInstanceUrl"].Value);
        Assert.Contains(ps.Streams.Verbose, v => v.Message.Contains("access token received"));

        var everything = ModuleHost.AllStreams(ps, output);
        Assert.DoesNotContain(sandbox.Host.State.Marketo.ClientSecret, everything);
        Assert.DoesNotContain(sandbox.Host.State.Salesforce.ClientSecret, everything);

        ps.Commands.Clear();
        var current = ps.AddCommand("Get-SalesSyncConnection").Invoke();
        Assert.Equal(info.Properties["ConnectedAt"].Value, Assert.Single(current).Properties["ConnectedAt"].Value);
    }

    [Fact]
    public void BadCredentialsAreATerminatingBadCredentialsErrorWithoutTheSecret()
    {
        using var ps = ModuleHost.NewShell();
        const string wrong = "definitely-wrong-secret-91";
        var e = Assert.ThrowsAny<RuntimeException>(() =>
            Connect(ps, salesforce: false, marketo: ModuleHost.Credential(sandbox.Host.State.Marketo.ClientId, wrong)).Invoke());
        var record = e.ErrorRecord;
        Assert.Equal("BadCredentials,SalesSync.PowerShell.Cmdlets.ConnectSalesSyncCommand", record.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, record.CategoryInfo.Category);
        Assert.Equal(sandbox.Host.MarketoUri, record.TargetObject);
        Assert.NotNull(record.ErrorDetails?.RecommendedAction);
        var everything = $"{record} {record.Exception} {record.ErrorDetails?.Message} {ModuleHost.AllStreams(ps)}";
        Assert.DoesNotContain(wrong, everything);
    }

    [Fact]
    public void AFailedConnectKeepsTheEarlierConnection()
    {
        using var ps = ModuleHost.NewShell();
        Connect(ps).Invoke();
        ps.Commands.Clear();
        Assert.ThrowsAny<RuntimeException>(() => Connect(ps, marketo: ModuleHost.Credential("wrong", "wrong")).Invoke());
        ps.Commands.Clear();
        Assert.Single(ps.AddCommand("Get-SalesSyncConnection").Invoke());
    }

    [Fact]
    public void EachRunspaceHasItsOwnConnectionAndDisconnectForgetsIt()
    {
        using var first = ModuleHost.NewShell();
        Connect(first).Invoke();
        using var second = ModuleHost.NewShell();
        var e = Assert.ThrowsAny<RuntimeException>(() => second.AddCommand("Get-SalesSyncConnection").Invoke());
        Assert.StartsWith("NotConnected,", e.ErrorRecord.FullyQualifiedErrorId);

        first.Commands.Clear();
        first.AddCommand("Disconnect-SalesSync").Invoke();
        first.Commands.Clear();
        Assert.ThrowsAny<RuntimeException>(() => first.AddCommand("Get-SalesSyncConnection").Invoke());
        first.Commands.Clear();
        first.AddCommand("Disconnect-SalesSync").AddParameter("Verbose", true).Invoke(); // idempotent
        Assert.False(first.HadErrors);
    }

    [Fact]
    public async Task StopEndsAConnectThatIsWaitingOnTheService()
    {
        using var http = new HttpClient();
        (await http.PostAsJsonAsync(new Uri(sandbox.Host.ControlUri, "faults"),
            new { service = "marketo", path = "/identity/oauth/token", kind = "delay", delayMs = 30_000, count = 1 })).EnsureSuccessStatusCode();
        using var ps = ModuleHost.NewShell();
        Connect(ps, salesforce: false);
        var run = ps.BeginInvoke();
        await Task.Delay(500);
        var watch = Stopwatch.StartNew();
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(run));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {watch.Elapsed}");
        Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
        ps.Commands.Clear();
        Assert.ThrowsAny<RuntimeException>(() => ps.AddCommand("Get-SalesSyncConnection").Invoke());
    }

    [Fact]
    public void ClosingARunspaceReleasesItsConnection()
    {
        var ps = ModuleHost.NewShell();
        Connect(ps).Invoke();
        var registry = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "SalesSync.PowerShell")
            .GetType("SalesSync.PowerShell.Base.SessionRegistry")!;
        int Count() => (int)registry.GetProperty("Count", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
        var before = Count();
        ps.Runspace.Close();
        ps.Dispose();
        Assert.Equal(before - 1, Count());
    }

    [Fact]
    public void AnUnwritableDatabaseIsATerminatingError()
    {
        var file = Path.GetTempFileName(); // a file where a folder would have to be
        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", sandbox.Host.MarketoUri)
            .AddParameter("MarketoCredential", sandbox.MarketoCredential).AddParameter("Database", Path.Combine(file, "sync.db"));
        var e = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.StartsWith("DatabaseNotWritable,", e.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.WriteError, e.ErrorRecord.CategoryInfo.Category);
    }
}
