using Scrapbook.Hosting.Orchestration;
using Scrapbook.Testing;
using static Scrapbook.Hosting.Tests.HostingTestSupport;

namespace Scrapbook.Hosting.Tests;

/// <summary>The dashboard's stop, start and restart actions, by resource name or by one replica's name.</summary>
public sealed class ResourceActionTests
{
    private static readonly TimeSpan s_backoff = TimeSpan.FromMilliseconds(200);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStoppedReplicaStaysStoppedWhileItsSiblingRunsAndStartBringsItBack()
    {
        using var state = new TempDirectory("hosting");
        await using var app = await StartTwoSleepersAsync(state);
        var before = Replicas(app, "sleeper");
        Assert.Equal(["sleeper-0", "sleeper-1"], before.Select(r => r.Name));

        Assert.True(await app.StopResourceAsync("sleeper-1"));

        var stopped = Replicas(app, "sleeper");
        Assert.Equal(ReplicaState.Stopped, stopped[1].State);
        Assert.Null(stopped[1].ProcessId);
        Assert.False(ProcessTable.IsAlive(before[1].ProcessId!.Value));
        Assert.Equal(ReplicaState.Running, stopped[0].State);
        Assert.Equal(before[0].ProcessId, stopped[0].ProcessId);

        // Many restart backoffs later it is still stopped: the crash loop leaves a stopped replica alone.
        await Task.Delay(s_backoff * 10, Cancellation);
        Assert.Equal(ReplicaState.Stopped, Replicas(app, "sleeper")[1].State);

        Assert.True(await app.StartResourceAsync("sleeper-1"));

        await Poll.UntilAsync(
            () => Replicas(app, "sleeper")[1] is { State: ReplicaState.Running, IsHealthy: true, ProcessId: not null },
            TimeSpan.FromSeconds(30),
            "sleeper-1 runs again");
        var after = Replicas(app, "sleeper");
        Assert.True(ProcessTable.IsAlive(after[1].ProcessId!.Value));
        Assert.Equal(before[0].ProcessId, after[0].ProcessId);
    }

    [Fact]
    public async Task StoppingAResourceStopsEveryReplicaEvenOneIgnoringSigtermAndACrashingOneIsNoLongerRestarted()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state, restartBackoff: s_backoff);
        var starts = Path.Combine(state.Path, "starts");
        builder.AddExecutable("stubborn", "sh", state.Path, "-c", "trap '' TERM; exec sleep 600").WithReplicas(2);
        builder.AddExecutable("crasher", "sh", state.Path, "-c", $"echo start >> {starts}; sleep 0.2; exit 3");
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);
        await Poll.UntilAsync(() => File.Exists(starts) && File.ReadAllLines(starts).Length >= 2, TimeSpan.FromSeconds(60), "the crasher was restarted once");
        await app.WaitForResourceHealthyAsync("stubborn", Cancellation).WaitAsync(TimeSpan.FromSeconds(60), Cancellation);
        var stubborn = Replicas(app, "stubborn").Select(r => r.ProcessId!.Value).ToList();

        Assert.True(await app.StopResourceAsync("stubborn"));
        Assert.True(await app.StopResourceAsync("crasher"));

        Assert.All(Replicas(app, "stubborn"), r => Assert.Equal(ReplicaState.Stopped, r.State));
        Assert.All(stubborn, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} survived the stop"));
        Assert.Equal(ReplicaState.Stopped, Replicas(app, "crasher")[0].State);
        var startsWhenStopped = File.ReadAllLines(starts).Length;
        await Task.Delay(s_backoff * 10, Cancellation);
        Assert.Equal(startsWhenStopped, File.ReadAllLines(starts).Length);
        Assert.Equal(ReplicaState.Stopped, Replicas(app, "crasher")[0].State);

        Assert.True(await app.StartResourceAsync("crasher"));

        await Poll.UntilAsync(() => File.ReadAllLines(starts).Length > startsWhenStopped, TimeSpan.FromSeconds(30), "the crasher ran again");
        Assert.NotEqual(ReplicaState.Stopped, Replicas(app, "crasher")[0].State);
    }

    [Fact]
    public async Task RestartingOneReplicaByNameReplacesOnlyThatProcessAndUnknownNamesAreRefused()
    {
        using var state = new TempDirectory("hosting");
        await using var app = await StartTwoSleepersAsync(state);
        var before = Replicas(app, "sleeper");

        Assert.True(await app.RestartResourceAsync("sleeper-1"));

        await Poll.UntilAsync(
            () => Replicas(app, "sleeper")[1] is { State: ReplicaState.Running, ProcessId: { } pid } && pid != before[1].ProcessId,
            TimeSpan.FromSeconds(30),
            "sleeper-1 runs as a new process");
        var after = Replicas(app, "sleeper");
        Assert.Equal(before[0].ProcessId, after[0].ProcessId);
        Assert.Equal(0, after[0].Restarts);
        Assert.Equal(1, after[1].Restarts);
        Assert.False(await app.RestartResourceAsync("sleeper-2"));
        Assert.False(await app.StopResourceAsync("nothing"));
        Assert.False(await app.StartResourceAsync("nothing"));
    }

    /// <summary>An application of one resource, <c>sleeper</c>, in two replicas, both running.</summary>
    private static async Task<DistributedApplication> StartTwoSleepersAsync(TempDirectory state)
    {
        var builder = CreateBuilder(state, restartBackoff: s_backoff);
        builder.AddExecutable("sleeper", "sleep", state.Path, "600").WithReplicas(2);
        var app = builder.Build();
        try
        {
            await app.StartAsync(Cancellation);
            await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(60), Cancellation);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static IReadOnlyList<ReplicaSnapshot> Replicas(DistributedApplication app, string name) =>
        app.GetSnapshots().Single(r => r.Name == name).Replicas;
}
