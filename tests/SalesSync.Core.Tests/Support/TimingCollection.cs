namespace SalesSync.Core.Tests.Support;

/// <summary>
/// Tests that measure the client against a sandbox clock run alone: not beside classes that generate
/// 100,000 people or hammer the CPU, which would stretch the limiter's timers past their slack.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
