using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace SalesSync.PowerShell.Tests;

/// <summary>
/// Export-SalesSyncReport's page in a real browser (Debian's chromium, driven by PuppeteerSharp; no browser download):
/// a database made through the real paths against the sandbox, the report written by the cmdlet, then one page load
/// that checks console errors, network requests, chart sizes, table numbers against the cmdlets, and hostile text.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class ReportBrowserTests(SandboxFixture sandbox, ITestOutputHelper output) : IClassFixture<SandboxFixture>, IDisposable
{
    private const string Hostile = "<script>alert(1)</script>";

    public void Dispose() => ModuleHost.DisconnectAll();

    [Fact]
    public async Task TheReportShowsTheStoresNumbersInChromiumWithNothingFetchedAndHostileTextAsText()
    {
        var chromium = Chromium.Find(output);

        // The world: two sales-owned people share a hostile email (Marketo takes any text; the data-quality table lists
        // shared emails), one of them with a hostile company; a third, unsubscribed, has a valid address with & and '
        // and a hostile company, so a sent email to them is refused and the compliance table shows that company as text.
        using var http = new HttpClient();
        var owned = (await http.GetStringAsync(new Uri(sandbox.Host.ControlUri, "people"))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonNode.Parse(line)!).Where(p => p["sfdcLeadOwnerId"] is not null && p["unsubscribed"]?.GetValue<bool>() != true && p["id"]!.GetValue<long>() > 10)
            .Select(p => p["id"]!.GetValue<long>()).Take(3).ToList();
        var hostileEmail = $"{Hostile}@example.com";
        var refusedEmail = $"o'neil&co.{owned[2]}@example.com";
        async Task Patch(long id, JsonObject fields) => (await http.PatchAsync(new Uri(sandbox.Host.ControlUri, $"people/{id}"),
            new StringContent(fields.ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        await Patch(owned[0], new JsonObject { ["company"] = Hostile, ["email"] = hostileEmail });
        await Patch(owned[1], new JsonObject { ["email"] = hostileEmail });
        await Patch(owned[2], new JsonObject { ["email"] = refusedEmail, ["unsubscribed"] = true, ["company"] = Hostile });

        using var ps = ModuleHost.NewShell();
        ps.AddCommand("Connect-SalesSync").AddParameter("MarketoUri", sandbox.Host.MarketoUri).AddParameter("MarketoCredential", sandbox.MarketoCredential)
            .AddParameter("SalesforceUri", sandbox.Host.SalesforceUri).AddParameter("SalesforceCredential", sandbox.SalesforceCredential)
            .AddParameter("Database", ModuleHost.TempDatabase()).Invoke();
        var folder = Path.Combine(ModuleHost.RepoRoot, "out", "test-results", "report");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, "sync-health.html");
        if (File.Exists(file)) File.Delete(file);
        ModuleHost.Run(ps, $$"""
            Start-SalesSync -Method Rest -StaticListId 1001 -SkipOptOut | Out-Null
            Install-SalesActivityType -Confirm:$false | Out-Null
            $people = @(Get-SyncedPerson)
            $reachable = @($people | Where-Object { -not $_.Unsubscribed } | Select-Object -First 3)
            $reachable | Send-SalesActivity -Kind EmailSent -Subject 'Report test' | Out-Null
            Send-SalesActivity -Kind EmailSent -MarketoId {{owned[2]}} -Subject 'Refused' -ErrorAction SilentlyContinue -ErrorVariable global:refused | Out-Null
            """);
        Assert.Equal(Hostile, ModuleHost.Run(ps, $"(Get-SyncedPerson -MarketoId {owned[0]}).Company").Single().ToString());
        Assert.Single(ModuleHost.Run(ps, "$global:refused"));
        var written = ModuleHost.Run(ps, $"Export-SalesSyncReport -Path '{file}' -PassThru").Single();
        Assert.Equal(file, written.Properties["Path"].Value);

        // What the store says, through the cmdlets.
        long Count(string script) => Convert.ToInt64(ModuleHost.Run(ps, script).Single().BaseObject, CultureInfo.InvariantCulture);
        var runs = Count("@(Get-SalesSyncRun).Count");
        var added = Count("(Get-SalesSyncRun | Measure-Object Added -Sum).Sum");
        var people = Count("@(Get-SyncedPerson).Count");
        var refusedSends = Count("@(Get-SalesActivity -Kind EmailSent -State Refused | Where-Object MarketoReason -match '^(Unsubscribed|OptedOutInSalesforce)').Count");
        var sharing = Count($"@(Get-SyncedPerson | Where-Object Email -eq '{hostileEmail}').Count");
        var marketoDelivered = Count("@(Get-SalesActivity -Kind EmailSent | Where-Object MarketoState -eq 'Delivered').Count");
        var marketoRefused = Count("@(Get-SalesActivity -Kind EmailSent | Where-Object MarketoState -eq 'Refused').Count");

        var launch = Stopwatch.StartNew();
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = Chromium.IsRoot() ? ["--no-sandbox"] : [], // chromium refuses to run as root with its sandbox on
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1200, Height = 1500 });
        var consoleErrors = new List<string>();
        var requests = new List<string>();
        var dialogs = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) consoleErrors.Add(e.Message.Text); };
        page.PageError += (_, e) => consoleErrors.Add(e.Message);
        page.Request += (_, e) => requests.Add(e.Request.Url);
        page.Dialog += async (_, e) => { dialogs.Add(e.Dialog.Message); await e.Dialog.Dismiss(); };
        var url = new Uri(file).AbsoluteUri;
        await page.GoToAsync(url, WaitUntilNavigation.Load);

        var charts = await page.EvaluateFunctionAsync<double[][]>(
            "() => [...document.querySelectorAll('figure.chart svg')].map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })");
        var tables = await page.EvaluateFunctionAsync<Dictionary<string, string[][]>>(
            "() => Object.fromEntries([...document.querySelectorAll('table')].map(t => [t.id, [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()))]))");
        var text = await page.EvaluateExpressionAsync<string>("document.body.innerText");
        var scripts = await page.EvaluateExpressionAsync<int>("document.scripts.length");
        await page.ScreenshotAsync(Path.Combine(folder, "report-full.png"), new ScreenshotOptions { FullPage = true });
        await page.ScreenshotAsync(Path.Combine(folder, "report.png"));
        // The README's picture is this test's: SALESSYNC_WRITE_SCREENSHOT=1 writes it to docs/report.png too.
        if (Environment.GetEnvironmentVariable("SALESSYNC_WRITE_SCREENSHOT") == "1")
            File.Copy(Path.Combine(folder, "report.png"), Path.Combine(ModuleHost.RepoRoot, "docs", "report.png"), overwrite: true);
        // Printed (A4 less margins, 718 CSS px): no table and no chart wider than the page, so nothing is cut off.
        await page.EmulateMediaTypeAsync(PuppeteerSharp.Media.MediaType.Print);
        await page.SetViewportAsync(new ViewPortOptions { Width = 718, Height = 1000 });
        var printOverflow = await page.EvaluateFunctionAsync<string[]>(
            "() => [...document.querySelectorAll('table, figure.chart svg')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(e => e.id || e.closest('figure').id)");
        output.WriteLine($"Chromium: launch, load, checks and two screenshots in {launch.Elapsed.TotalSeconds:0.0} s; screenshots in {folder}");

        Assert.Empty(consoleErrors);
        Assert.Empty(printOverflow);
        // The document itself, and the charts' font from its own data: URI (no host is asked), nothing else.
        Assert.Equal([url], requests.Where(r => !r.StartsWith("data:font/ttf;base64,", StringComparison.Ordinal)));
        Assert.Empty(dialogs);
        Assert.Equal(0, scripts);
        Assert.True(charts.Length >= 9, $"{charts.Length} charts");
        Assert.All(charts, size => Assert.True(size[0] > 100 && size[1] > 50, $"a chart is {size[0]}x{size[1]}"));

        static long N(string cell) => long.Parse(cell, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.Equal(runs, tables["runs-days"].Sum(r => N(r[1])));
        Assert.Equal(added, tables["runs-days"].Sum(r => N(r[5])));
        Assert.Equal(people, N(tables["quality-totals"].Single(r => r[0] == "People")[1]));
        var sentToMarketo = tables["delivery-rows"].Single(r => r[0] == "EmailSent" && r[1] == "Marketo");
        Assert.Equal(marketoDelivered, N(sentToMarketo[5]));
        Assert.Equal(marketoRefused, N(sentToMarketo[7]));
        Assert.Equal(refusedSends, N(tables["compliance-totals"].Single(r => r[0] == "Sends refused")[1]));
        Assert.Equal(refusedSends, tables["compliance-refused"].Length);
        Assert.Equal(1, refusedSends);
        Assert.Equal(refusedEmail, tables["compliance-refused"].Single()[3]);
        // The hostile company is the cell's text, and no script element exists (scripts is 0 above, no dialog opened).
        Assert.Equal(Hostile, tables["compliance-refused"].Single()[4]);
        // The hostile email is text on the page (no script element exists, no dialog opened), and its count is the store's.
        var duplicate = tables["quality-duplicates"].Single(r => r[0] == hostileEmail);
        Assert.Equal(sharing, N(duplicate[1]));
        Assert.Equal(2, sharing);
        Assert.Contains(hostileEmail, text, StringComparison.Ordinal);
    }
}

/// <summary>Debian's chromium: found on PATH, or installed with apt-get (the test command must pass on a fresh machine).</summary>
internal static class Chromium
{
    public static bool IsRoot() => Environment.UserName == "root";

    public static string Find(ITestOutputHelper output)
    {
        if (Which() is { } found) return found;
        var watch = Stopwatch.StartNew();
        if (!IsRoot())
            Assert.Fail("chromium is not installed and this test is not root, so it cannot install it: run 'sudo apt-get install -y chromium' once.");
        var (code, log) = AptGet("install -o DPkg::Lock::Timeout=600 -y --no-install-recommends chromium");
        if (code != 0) (code, log) = AptGet("update -o DPkg::Lock::Timeout=600") is (0, _) ? AptGet("install -o DPkg::Lock::Timeout=600 -y --no-install-recommends chromium") : (code, log);
        if (code != 0 || Which() is not { } installed)
            throw new InvalidOperationException($"apt-get could not install chromium (exit code {code}); install it by hand (apt-get install -y chromium):\n{log}");
        output.WriteLine($"Installed chromium with apt-get in {watch.Elapsed.TotalSeconds:0} s.");
        return installed;
    }

    private static string? Which() => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, "chromium")).FirstOrDefault(File.Exists);

    private static (int Code, string Log) AptGet(string arguments)
    {
        var start = new ProcessStartInfo("apt-get", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("apt-get did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, string.Join('\n', (stdout.Result + stderr).Split('\n').TakeLast(20)));
    }
}
