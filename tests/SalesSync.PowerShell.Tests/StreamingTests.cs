using System.Diagnostics;
using System.Management.Automation;

namespace SalesSync.PowerShell.Tests;

/// <summary>
/// The base cmdlet's streaming pump, through a cmdlet compiled here against the built module: items reach
/// the pipeline as they come, and when writing throws the engine work is cancelled and awaited first.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class StreamingTests
{
    private const string Source = """
        using System;
        using System.Collections.Generic;
        using System.Management.Automation;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using SalesSync.Core.Diagnostics;

        [Cmdlet("Test", "SalesSyncStream")]
        public sealed class TestSalesSyncStreamCommand : SalesSync.PowerShell.Base.SalesSyncCmdlet
        {
            public static volatile int Produced;
            public static volatile bool Running;
            public static volatile bool CleanedUp;

            [Parameter] public int Count { get; set; } = int.MaxValue;
            [Parameter] public int WarnAt { get; set; } = -1;
            [Parameter] public SwitchParameter Unpaced { get; set; }
            [Parameter] public int DiskFullAt { get; set; } = -1;

            protected override void EndProcessing() => RunEngineStream(Produce, i => "item " + i);

            private async IAsyncEnumerable<int> Produce([EnumeratorCancellation] CancellationToken ct)
            {
                Running = true;
                CleanedUp = false;
                try
                {
                    for (var i = 0; i < Count; i++)
                    {
                        if (Unpaced) ct.ThrowIfCancellationRequested(); else await Task.Yield();
                        if (i == WarnAt) EngineObserver.Current.Warning("warning at " + i);
                        if (i == DiskFullAt) throw new System.IO.IOException("There is not enough space on the disk.");
                        Produced = i;
                        yield return i;
                    }
                }
                finally
                {
                    // Slow cleanup: the cmdlet must not return before it is done.
                    await Task.Delay(300);
                    CleanedUp = true;
                    Running = false;
                }
            }
        }
        """;

    private static System.Management.Automation.PowerShell Shell()
    {
        var ps = ModuleHost.NewShell();
        var moduleDll = Path.Combine(ModuleHost.RepoRoot, "out", "module", "SalesSync.PowerShell.dll");
        var engineDll = Path.Combine(ModuleHost.RepoRoot, "out", "module", "Dependencies", "SalesSync.Core.dll");
        ps.AddCommand("Add-Type").AddParameter("TypeDefinition", Source)
            .AddParameter("ReferencedAssemblies", new[] { moduleDll, engineDll, typeof(PSCmdlet).Assembly.Location, "System.Runtime", "System.Threading", "netstandard" })
            .AddParameter("IgnoreWarnings", true).AddParameter("PassThru", true);
        var type = (Type)ps.Invoke()[0].BaseObject;
        _command = type;
        // The type (and its statics) outlives each test: start every test from zero.
        type.GetField("Produced")!.SetValue(null, 0);
        type.GetField("Running")!.SetValue(null, false);
        type.GetField("CleanedUp")!.SetValue(null, false);
        ps.Commands.Clear();
        ps.AddCommand("Import-Module").AddParameter("Assembly", type.Assembly).Invoke();
        ps.Commands.Clear();
        return ps;
    }

    private static Type? _command;

    /// <summary>The compiled test cmdlet, as Add-Type returned it.</summary>
    private static Type Command => _command ?? throw new InvalidOperationException("Shell() compiles the test cmdlet first.");

    private static T Field<T>(string name) => (T)Command.GetField(name)!.GetValue(null)!;

    [Fact]
    public void ItemsFlowToThePipelineInOrder()
    {
        using var ps = Shell();
        var output = ModuleHost.Run(ps, "Test-SalesSyncStream -Count 1000");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => "item " + i), output.Select(o => o.BaseObject));
        Assert.False(Field<bool>("Running"));
    }

    [Fact]
    public void ADownstreamStopCancelsAndAwaitsTheEngine()
    {
        using var ps = Shell();
        var output = ModuleHost.Run(ps, "Test-SalesSyncStream | Select-Object -First 3");
        Assert.Equal(["item 0", "item 1", "item 2"], output.Select(o => o.BaseObject));
        // The endless stream stopped, and its cleanup finished before the command returned.
        Assert.True(Field<bool>("CleanedUp"));
        Assert.False(Field<bool>("Running"));
        Assert.InRange(Field<int>("Produced"), 2, 3 + 512);
    }

    [Fact]
    public void WarningActionStopOnAPumpedRecordCancelsAndAwaitsTheEngine()
    {
        using var ps = Shell();
        var e = Assert.ThrowsAny<RuntimeException>(() => ModuleHost.Run(ps, "Test-SalesSyncStream -WarnAt 5 -WarningAction Stop"));
        Assert.Contains("warning at 5", e.Message);
        Assert.True(Field<bool>("CleanedUp"));
        Assert.False(Field<bool>("Running"));
    }

    [Fact]
    public void StopEndsAStreamPromptlyAndAwaitsTheEngine()
    {
        using var ps = Shell();
        ps.AddCommand("Test-SalesSyncStream").AddCommand("Out-Null");
        var run = ps.BeginInvoke();
        var waited = Stopwatch.StartNew();
        while (Field<int>("Produced") < 20 && waited.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
        Assert.True(Field<bool>("Running"));
        ps.Stop();
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(run));
        Assert.True(Field<bool>("CleanedUp"));
        Assert.False(Field<bool>("Running"));
    }

    [Fact]
    public void TheEngineRunsOnlyALittleAheadOfASlowPipeline()
    {
        using var ps = Shell();
        // An unpaced producer against a consumer that pauses: without the bound it would race far ahead.
        var output = ModuleHost.Run(ps, "Test-SalesSyncStream -Unpaced -Count 100000 | ForEach-Object -Begin { $n = 0 } -Process { if (++$n -eq 10) { Start-Sleep -Milliseconds 500; [TestSalesSyncStreamCommand]::Produced } }");
        Assert.InRange((int)output.Single().BaseObject, 100, 9 + 512 + 2); // it did run ahead, but only so far
    }

    /// <summary>Review P1: a local failure in engine work is a terminating error with a stable ErrorId, not the exception's type name.</summary>
    [Fact]
    public void ALocalFailureIsATerminatingErrorWithAStableErrorId()
    {
        using var ps = Shell();
        var output = ModuleHost.Run(ps, "try { Test-SalesSyncStream -DiskFullAt 3 | Out-Null; 'not stopped' } catch { $_ }");
        var error = Assert.IsType<ErrorRecord>(output.Single().BaseObject);
        Assert.StartsWith("LocalFileError", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Contains("not enough space", error.ErrorDetails.Message);
        Assert.NotNull(error.ErrorDetails.RecommendedAction);
    }
}
