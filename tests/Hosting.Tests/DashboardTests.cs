using System.Net;
using System.Net.Http.Headers;
using Scrapbook.Hosting.Orchestration;
using Scrapbook.Testing;
using static Scrapbook.Hosting.Tests.HostingTestSupport;

namespace Scrapbook.Hosting.Tests;

public sealed class DashboardTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheDashboardRestartActionReplacesTheProcessAndCountsTheRestart()
    {
        using var state = new TempDirectory("hosting");
        var port = FreePort.Next();
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions
        {
            StateDirectory = state.Path,
            AppHostDirectory = state.Path,
            Configuration = BuildConfiguration,
            BuildProjects = false,
            DashboardPort = port,
            StopGracePeriod = TimeSpan.FromSeconds(2),
        });
        builder.AddExecutable("sleeper", "sleep", state.Path, "600");
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);
        await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        var before = app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0].ProcessId!.Value;
        var token = new Uri(app.DashboardLoginUrl!).Query["?t=".Length..];
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using (var anonymous = await dashboard.PostAsync("/api/resources/sleeper/restart", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        dashboard.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var restart = await dashboard.PostAsync("/api/resources/sleeper/restart", null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);

        await Poll.UntilAsync(
            () => app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0] is { State: ReplicaState.Running, ProcessId: var pid } && pid != before,
            TimeSpan.FromSeconds(30),
            "the sleeper runs again as a new process");
        Assert.Equal(1, app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0].Restarts);
        Assert.False(ProcessTable.IsAlive(before));
    }
}
