using System.Net;
using System.Net.Http.Headers;
using Scrapbook.Hosting.Orchestration;
using Scrapbook.Hosting.Telemetry;
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
        var builder = CreateBuilder(state, dashboardPort: port);
        builder.AddExecutable("sleeper", "sleep", state.Path, "600");
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);
        await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        var before = app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0].ProcessId!.Value;
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using (var anonymous = await dashboard.PostAsync("/api/resources/sleeper/restart", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        dashboard.DefaultRequestHeaders.Authorization = DashboardToken(app.DashboardLoginUrl!);
        using var restart = await dashboard.PostAsync("/api/resources/sleeper/restart", null, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);

        await Poll.UntilAsync(
            () => app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0] is { State: ReplicaState.Running, ProcessId: var pid } && pid != before,
            TimeSpan.FromSeconds(30),
            "the sleeper runs again as a new process");
        Assert.Equal(1, app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[0].Restarts);
        Assert.False(ProcessTable.IsAlive(before));
    }

    [Fact]
    public async Task TheDashboardStopsAndStartsOneReplicaByItsName()
    {
        using var state = new TempDirectory("hosting");
        var port = FreePort.Next();
        var builder = CreateBuilder(state, dashboardPort: port);
        builder.AddExecutable("sleeper", "sleep", state.Path, "600").WithReplicas(2);
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);
        await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(30), Cancellation);
        ReplicaSnapshot Replica(int index) => app.GetSnapshots().Single(r => r.Name == "sleeper").Replicas[index];
        var second = Replica(1).ProcessId!.Value;
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using (var anonymous = await dashboard.PostAsync("/api/resources/sleeper-1/stop", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        dashboard.DefaultRequestHeaders.Authorization = DashboardToken(app.DashboardLoginUrl!);
        using (var stop = await dashboard.PostAsync("/api/resources/sleeper-1/stop", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        }

        await Poll.UntilAsync(() => Replica(1).State == ReplicaState.Stopped && !ProcessTable.IsAlive(second), TimeSpan.FromSeconds(30), "sleeper-1 is stopped");
        Assert.Equal(ReplicaState.Running, Replica(0).State);

        using (var start = await dashboard.PostAsync("/api/resources/sleeper-1/start", null, Cancellation))
        {
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        }

        await Poll.UntilAsync(() => Replica(1) is { State: ReplicaState.Running, ProcessId: { } pid } && pid != second, TimeSpan.FromSeconds(30), "sleeper-1 runs again");
        using var unknown = await dashboard.PostAsync("/api/resources/nobody/stop", null, Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ProjectsExportToTheDashboardWithTheOtlpKeyItGaveThemAndTheKeyIsMasked()
    {
        using var state = new TempDirectory("hosting");
        var port = FreePort.Next();
        var builder = CreateBuilder(state, dashboardPort: port);
        builder.AddProject("echo", TestAppHostProject).WithArgs("service", state.Path).WithHttpHealthCheck("/health");
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);

        var environment = await ReadEnvironmentFileAsync(Path.Combine(state.Path, "echo-0.env"));
        Assert.Equal($"http://127.0.0.1:{port}", environment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http/protobuf", environment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Equal("echo", environment["OTEL_SERVICE_NAME"]);
        var header = environment["OTEL_EXPORTER_OTLP_HEADERS"].Split('=', 2);
        Assert.Equal(OtlpReceiver.ApiKeyHeader, header[0]);
        Assert.Equal(32, header[1].Length);
        Assert.Equal(
            DistributedApplication.Mask,
            app.GetSnapshots().Single(r => r.Name == "echo").Replicas[0].Environment["OTEL_EXPORTER_OTLP_HEADERS"]);

        using var receiver = new HttpClient { BaseAddress = new Uri(environment["OTEL_EXPORTER_OTLP_ENDPOINT"]) };
        foreach (var (key, expected) in new[] { (header[1], HttpStatusCode.OK), (new string('x', 32), HttpStatusCode.Unauthorized) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/logs") { Content = new ByteArrayContent([]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            request.Headers.Add(OtlpReceiver.ApiKeyHeader, key);
            using var response = await receiver.SendAsync(request, Cancellation);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task TheLiveConsoleReturnsOnlyLinesAfterItsCursor()
    {
        using var state = new TempDirectory("hosting");
        var port = FreePort.Next();
        var builder = CreateBuilder(state, dashboardPort: port);
        builder.AddExecutable("talker", "sh", state.Path, "-c", "echo one; echo two; exec sleep 600");
        await using var app = builder.Build();
        await app.StartAsync(Cancellation);
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        dashboard.DefaultRequestHeaders.Authorization = DashboardToken(app.DashboardLoginUrl!);

        await Poll.UntilAsync(() => app.GetConsoleLog("talker").Count == 2, TimeSpan.FromSeconds(30), "talker printed two lines");
        using var first = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources/talker/console/live?after=0", Cancellation));
        Assert.Equal(2, first.RootElement.GetProperty("next").GetInt64());
        Assert.Equal(["one", "two"], first.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()));

        using var second = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources/talker/console/live?after=1", Cancellation));
        Assert.Equal(["two"], second.RootElement.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("text").GetString()));
        using var none = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources/talker/console/live?after=2", Cancellation));
        Assert.Equal(0, none.RootElement.GetProperty("lines").GetArrayLength());

        using var unknown = await dashboard.GetAsync("/api/resources/nobody/console/live", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
