using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>The AppHost's restart-on-crash, on an application model of its own: two processes, one waiting for the other.</summary>
public sealed class RestartOnCrashTests : DeadlineTest
{
    [Fact]
    public async Task AProcessThatCrashedWhileWhatItWaitsForWasDownIsStartedOnceThatIsBack()
    {
        CancelAfter(TimeSpan.FromMinutes(4));
        using var folder = new Scrapbook.Testing.TempDirectory("restart-on-crash");
        var flag = Path.Combine(folder.Path, "up");
        await File.WriteAllTextAsync(flag, "", Cancellation);

        // Scrapbook's AppHost (which registers the restarter), its resources taken away: the model is this test's own.
        using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Scrapbook_AppHost>(Cancellation);
        builder.Resources.Clear();
        // "first" only starts while the flag exists; without it, every start crashes at once (as a service whose disk is gone).
        var first = builder.AddExecutable("first", "sh", folder.Path, "-c", $"test -e '{flag}' && exec sleep 600; exit 3").WithRestartOnCrash();
        builder.AddExecutable("second", "sleep", folder.Path, "600").WithRestartOnCrash().WaitFor(first);
        await using var app = await builder.BuildAsync(Cancellation);
        await app.StartAsync(Cancellation);
        var firstPid = await RunningPidAsync(app, "first", previous: 0);
        var secondPid = await RunningPidAsync(app, "second", previous: 0);

        // "first" goes down and stays down; then "second" crashes too, and its restart meets "first" down.
        File.Delete(flag);
        System.Diagnostics.Process.GetProcessById(firstPid).Kill();
        await app.ResourceNotifications.WaitForResourceAsync("first", e => e.Snapshot.ExitCode is 3, Cancellation);
        var secondKilledAt = DateTime.UtcNow;
        System.Diagnostics.Process.GetProcessById(secondPid).Kill();
        // By the time "first" has failed another start (its restarts back off from 2 s), "second" has tried its own (after 1 s).
        await app.ResourceNotifications.WaitForResourceAsync("first", e => e.Snapshot.ExitCode is 3 && e.Snapshot.StartTimeStamp > secondKilledAt.AddSeconds(1), Cancellation);

        // Once "first" can start again, both run again: "second" was not given up on.
        await File.WriteAllTextAsync(flag, "", Cancellation);
        Assert.NotEqual(firstPid, await RunningPidAsync(app, "first", firstPid));
        Assert.NotEqual(secondPid, await RunningPidAsync(app, "second", secondPid));
        await app.StopAsync(Cancellation);
    }

    /// <summary>The process id of the resource once it runs as a process other than <paramref name="previous"/> (two minutes at most).</summary>
    private async Task<int> RunningPidAsync(DistributedApplication app, string resource, int previous)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        var update = await app.ResourceNotifications.WaitForResourceAsync(resource, e =>
            e.Snapshot.State?.Text == KnownResourceStates.Running && Pid(e) is { } pid && pid != previous, timeout.Token);
        return Pid(update)!.Value;
    }

    private static int? Pid(ResourceEvent update) =>
        update.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), out var pid) ? pid : null;
}
