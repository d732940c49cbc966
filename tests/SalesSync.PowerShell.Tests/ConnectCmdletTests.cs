using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Net.Http.Json;
using System.Reflection;

namespace SalesSync.PowerShell.Tests;

[Collection(ModuleCollection.Name)]
public sealed class ConnectCmdletTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>, IDisposable
{
    public void Dispose() => ModuleHost.DisconnectAll();

    private System.Management.Automation.PowerShell Connect(System.Management.Automation.PowerShell ps, bool salesforce = true, PSCredential? marketo = null,
        string? database = null, string? scope = null)
    {
        ps.Commands.Clear();
        ps.AddCommand("Connect-SalesSync")
            .AddParameter("MarketoUri", sandbox.Host.MarketoUri)
            .AddParameter("MarketoCredential", marketo ?? sandbox.MarketoCredential)
            .AddParameter("Database", database ?? ModuleHost.TempDatabase())
            .AddParameter("PassThru", true)
            .AddParameter("Verbose", true)
            .AddParameter("Debug", true);
        if (scope is not null) ps.AddParameter("Scope", scope);
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
        Assert.Equal("Process", info.Properties["Scope"].Value.ToString());
        Assert.Contains(ps.Streams.Verbose, v => v.Message.Contains("access token received"));

        var everything = ModuleHost.AllStreams(ps, output);
        Assert.DoesNotContain(sandbox.Host.State.Marketo.ClientSecret, everything);
        Assert.DoesNotContain(sandbox.Host.State.Salesforce.ClientSecret, everything);

        var current = ModuleHost.Run(ps, "Get-SalesSyncConnection");
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
        var first = Assert.Single(Connect(ps).Invoke());
        Assert.ThrowsAny<RuntimeException>(() => Connect(ps, marketo: ModuleHost.Credential("wrong", "wrong"), database: ModuleHost.TempDatabase()).Invoke());
        var current = Assert.Single(ModuleHost.Run(ps, "Get-SalesSyncConnection"));
        Assert.Equal(first.Properties["ConnectedAt"].Value, current.Properties["ConnectedAt"].Value);
        Assert.True((bool)first.Properties["IsActive"].Value);
    }

    [Fact]
    public void AProcessConnectionServesEveryRunspaceAndParallelBlocks()
    {
        var database = ModuleHost.TempDatabase();
        using var first = ModuleHost.NewShell();
        Connect(first, database: database).Invoke();

        using var second = ModuleHost.NewShell();
        var seen = Assert.Single(ModuleHost.Run(second, "Get-SalesSyncConnection"));
        Assert.Equal(database, seen.Properties["Database"].Value);

        var manifest = Path.Combine(ModuleHost.RepoRoot, "SalesSync.psd1").Replace("'", "''");
        var parallel = ModuleHost.Run(second,
            $"1..4 | ForEach-Object -ThrottleLimit 4 -Parallel {{ Import-Module '{manifest}'; (Get-SalesSyncConnection).Database }}");
        Assert.Equal(4, parallel.Count);
        Assert.All(parallel, p => Assert.Equal(database, p.BaseObject));
        Assert.False(second.HadErrors);
    }

    [Fact]
    public void ARunspaceConnectionIsPrivateToItsRunspaceAndDisconnectForgetsIt()
    {
        using var first = ModuleHost.NewShell();
        Connect(first, scope: "Runspace").Invoke();
        Assert.Equal("Runspace", Assert.Single(ModuleHost.Run(first, "Get-SalesSyncConnection")).Properties["Scope"].Value.ToString());

        using var second = ModuleHost.NewShell();
        Assert.Empty(ModuleHost.Run(second, "Get-SalesSyncConnection"));
        Assert.False(second.HadErrors);

        ModuleHost.Run(first, "Disconnect-SalesSync");
        Assert.Empty(ModuleHost.Run(first, "Get-SalesSyncConnection"));
        ModuleHost.Run(first, "Disconnect-SalesSync -Verbose"); // idempotent
        Assert.False(first.HadErrors);
    }

    [Fact]
    public void GetSalesSyncConnectionWritesNothingWhenNotConnected()
    {
        using var ps = ModuleHost.NewShell();
        var output = ModuleHost.Run(ps, "Get-SalesSyncConnection -Verbose -ErrorAction Stop");
        Assert.Empty(output);
        Assert.False(ps.HadErrors);
        Assert.Contains(ps.Streams.Verbose, v => v.Message.Contains("no SalesSync connection"));
    }

    [Fact]
    public async Task StopEndsAConnectThatIsWaitingOnTheService()
    {
        await sandbox.ClearFaultsAsync();
        using var http = new HttpClient();
        (await http.PostAsJsonAsync(new Uri(sandbox.Host.ControlUri, "faults"),
            new { service = "marketo", path = "/identity/oauth/token", kind = "delay", delayMs = 60_000, count = 1 })).EnsureSuccessStatusCode();
        var requestsBefore = (await sandbox.StatsAsync())["marketo"]!["identity"]?["requests"]?.GetValue<int>() ?? 0;
        try
        {
            using var ps = ModuleHost.NewShell();
            Connect(ps, salesforce: false);
            var run = ps.BeginInvoke();
            // Stop only once the token request is really waiting on the (delayed) service.
            var waited = Stopwatch.StartNew();
            while (((await sandbox.StatsAsync())["marketo"]!["identity"]?["requests"]?.GetValue<int>() ?? 0) <= requestsBefore)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "The token request never reached the sandbox.");
                await Task.Delay(20);
            }
            Assert.False(run.IsCompleted);
            var watch = Stopwatch.StartNew();
            ps.Stop();
            Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(run));
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Stop took {watch.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.Empty(ModuleHost.Run(ps, "Get-SalesSyncConnection"));
        }
        finally
        {
            await sandbox.ClearFaultsAsync();
        }
    }

    [Fact]
    public void ClosingARunspaceReleasesItsConnection()
    {
        var count = ModuleHost.Registry.GetProperty("RunspaceCount", BindingFlags.NonPublic | BindingFlags.Static)!;
        var ps = ModuleHost.NewShell();
        var before = (int)count.GetValue(null)!;
        var info = Assert.Single(Connect(ps, scope: "Runspace").Invoke());
        Assert.Equal(before + 1, (int)count.GetValue(null)!);
        ps.Runspace.Close();
        ps.Dispose();
        Assert.Equal(before, (int)count.GetValue(null)!);
        Assert.False((bool)info.Properties["IsActive"].Value);
    }

    [Fact]
    public void ConnectAndDisconnectLeaveNoRunspaceHandlersBehind()
    {
        using var ps = ModuleHost.NewShell();
        var handlers = StateChangedHandlerCount(ps.Runspace);
        for (var i = 0; i < 5; i++)
        {
            Connect(ps, salesforce: false, scope: "Runspace").Invoke();
            ModuleHost.Run(ps, "Disconnect-SalesSync");
        }
        Connect(ps, salesforce: false, scope: "Runspace").Invoke();
        Connect(ps, salesforce: false, scope: "Runspace").Invoke(); // a reconnect replaces, it does not add
        Assert.Equal(handlers + 1, StateChangedHandlerCount(ps.Runspace));
        ModuleHost.Run(ps, "Disconnect-SalesSync");
        Assert.Equal(handlers, StateChangedHandlerCount(ps.Runspace));
    }

    /// <summary>Subscribers of Runspace.StateChanged, read from the event's backing field.</summary>
    private static int StateChangedHandlerCount(Runspace runspace)
    {
        for (var type = runspace.GetType(); type is not null; type = type.BaseType)
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.NonPublic))
                if (field.FieldType == typeof(EventHandler<RunspaceStateEventArgs>))
                    return (field.GetValue(runspace) as Delegate)?.GetInvocationList().Length ?? 0;
        }
        throw new InvalidOperationException("No StateChanged backing field found.");
    }

    [Fact]
    public void AReconnectRetiresTheOldConnectionAndReleasesItsDatabase()
    {
        using var ps = ModuleHost.NewShell();
        var oldDatabase = ModuleHost.TempDatabase();
        var old = Assert.Single(Connect(ps, database: oldDatabase).Invoke());
        var fresh = Assert.Single(Connect(ps, database: ModuleHost.TempDatabase()).Invoke());
        Assert.False((bool)old.Properties["IsActive"].Value);
        Assert.True((bool)fresh.Properties["IsActive"].Value);
        // The old database is closed: its writer lock can be taken again.
        using var relock = new FileStream(oldDatabase + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Fact]
    public void ARelativeDatabaseIsResolvedAgainstTheCurrentLocation()
    {
        var folder = ModuleHost.TempFolder();
        using var ps = ModuleHost.NewShell();
        ModuleHost.Run(ps, $"Set-Location -LiteralPath '{folder.Replace("'", "''")}'");
        Assert.NotEqual(folder, Environment.CurrentDirectory);
        var info = Assert.Single(Connect(ps, salesforce: false, database: "relative.db").Invoke());
        Assert.Equal(Path.Combine(folder, "relative.db"), info.Properties["Database"].Value);
        Assert.True(File.Exists(Path.Combine(folder, "relative.db")));
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "relative.db")));
    }

    [Fact]
    public void TheDefaultViewShowsTheConnectionAsAList()
    {
        using var ps = ModuleHost.NewShell();
        Connect(ps).Invoke();
        var text = string.Join('\n', ModuleHost.Run(ps, "Get-SalesSyncConnection | Out-String -Width 200").Select(o => o.ToString()));
        Assert.Matches(@"MarketoLimits\s*:\s*50 calls/20 s, 5 in flight, 10000 calls/day \(\d+ used\)", text);
        Assert.Matches(@"Database\s*:\s*\S+sync\.db", text);
        Assert.Matches(@"Scope\s*:\s*Process", text);
        Assert.DoesNotContain(sandbox.Host.State.Marketo.ClientSecret, text);
    }

    [Fact]
    public async Task TheConnectionObjectFollowsTheLiveTokenExpiry()
    {
        using var ps = ModuleHost.NewShell();
        var info = Assert.Single(Connect(ps, salesforce: false).Invoke());
        var atConnect = (DateTimeOffset)info.Properties["MarketoTokenExpiresAt"].Value;
        await Task.Delay(1100); // Identity counts lifetimes in whole seconds
        using (var http = new HttpClient()) (await http.PostAsync(new Uri(sandbox.Host.ControlUri, "tokens/expire"), null)).EnsureSuccessStatusCode();
        ModuleHost.Run(ps, "Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null"); // 602, then a new token
        Assert.False(ps.HadErrors);
        Assert.True((DateTimeOffset)info.Properties["MarketoTokenExpiresAt"].Value > atConnect); // the object kept from Connect
    }

    [Fact]
    public void AnUnwritableDatabaseIsATerminatingError()
    {
        var file = Path.Combine(ModuleHost.TempFolder(), "a-file");
        File.WriteAllText(file, "x"); // a file where a folder would have to be
        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", sandbox.Host.MarketoUri)
            .AddParameter("MarketoCredential", sandbox.MarketoCredential).AddParameter("Database", Path.Combine(file, "sync.db"));
        var e = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.StartsWith("DatabaseNotWritable,", e.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.WriteError, e.ErrorRecord.CategoryInfo.Category);
    }

    [Fact]
    public void AFileThatIsNotASalesSyncDatabaseIsRefusedAndLeftUntouched()
    {
        var notes = Path.Combine(ModuleHost.TempFolder(), "notes.txt");
        File.WriteAllText(notes, "my notes: call Bob on Monday\n");
        var before = File.ReadAllBytes(notes);
        using var ps = ModuleHost.NewShell();
        var e = Assert.ThrowsAny<RuntimeException>(() => Connect(ps, database: notes).Invoke());
        Assert.StartsWith("DatabaseNotSalesSync,", e.ErrorRecord.FullyQualifiedErrorId);
        Assert.Equal(notes, e.ErrorRecord.TargetObject);
        Assert.Equal(before, File.ReadAllBytes(notes));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(notes)!)); // no lock or log file beside it either
    }

    [Fact]
    public void AUriWithUserInfoIsRefusedWithoutEchoingIt()
    {
        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", new Uri($"http://admin:hunter2@{sandbox.Host.MarketoUri.Authority}/"))
            .AddParameter("MarketoCredential", sandbox.MarketoCredential).AddParameter("Database", ModuleHost.TempDatabase());
        var e = Assert.ThrowsAny<RuntimeException>(() => ps.Invoke());
        Assert.StartsWith("InvalidUri,", e.ErrorRecord.FullyQualifiedErrorId);
        var everything = $"{e.ErrorRecord} {e.ErrorRecord.Exception} {e.ErrorRecord.TargetObject} {e.ErrorRecord.ErrorDetails?.Message} {ModuleHost.AllStreams(ps)}";
        Assert.DoesNotContain("hunter2", everything);
        Assert.DoesNotContain("admin", everything);
    }
}
