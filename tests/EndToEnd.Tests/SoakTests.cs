using Scrapbook.Bench.Soak;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// The soak (bench/soak) in its short form: every fault once, on the whole system, with the correctness checks asserted
/// and no timing or memory figure judged (those belong to the 10-minute run in docs/reliability.md).
/// </summary>
public sealed class SoakTests(ITestOutputHelper output) : DeadlineTest
{
    [Fact]
    public async Task AShortSoakWithEveryFaultLosesNoPhotoRepeatsNoEventAndAnswersNo500()
    {
        CancelAfter(TimeSpan.FromMinutes(12));
        var options = new SoakOptions
        {
            Duration = TimeSpan.FromSeconds(90),
            Uploaders = 3,
            Followers = 2,
            FirstFault = TimeSpan.FromSeconds(8),
            FaultInterval = TimeSpan.FromSeconds(7),
            FloodLength = TimeSpan.FromSeconds(5),
            CleanupGrace = TimeSpan.FromSeconds(10),
            CleanupInterval = TimeSpan.FromSeconds(3),
            WarmUp = TimeSpan.FromSeconds(20),
            Log = output.WriteLine,
        };

        var report = await new SoakRun(options).RunAsync(Cancellation);

        output.WriteLine(report.ToTable());
        Assert.True(report.CorrectnessPassed, report.ToTable());
        Assert.All(Enum.GetNames<Fault>(), fault => Assert.Contains(report.Faults, line => line.Contains($" {fault}: ", StringComparison.Ordinal)));
    }
}
