using Scrapbook.Hosting.Orchestration;
using Scrapbook.Testing;
using static Scrapbook.Hosting.Tests.HostingTestSupport;

namespace Scrapbook.Hosting.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OrchestratorTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReferencesBecomeConnectionStringsAndOneServiceUrlPerReplica()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state);
        var redis = builder.AddRedis("redis");
        var database = builder.AddSqlite("gallerydb");
        var adminKey = builder.AddParameter("admin-key", secret: true);
        var api = builder.AddExecutable("api", "sleep", state.Path, "600").WithHttpEndpoint().WithReplicas(2);
        var output = Path.Combine(state.Path, "consumer.env");
        builder.AddExecutable("consumer", "sh", state.Path, "-c", $"env > {output}.tmp && mv {output}.tmp {output}; exec sleep 600")
            .WithReference(redis).WithReference(database).WithReference(api)
            .WithEnvironment("Admin__Key", adminKey);
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        var environment = await ReadEnvironmentFileAsync(output);

        Assert.Equal($"127.0.0.1:{redis.Resource.GetPort("tcp")}", environment["ConnectionStrings__redis"]);
        Assert.Equal($"Data Source={Path.Combine(state.Path, "data", "gallerydb.db")}", environment["ConnectionStrings__gallerydb"]);
        Assert.Equal($"http://127.0.0.1:{api.Resource.GetPort("http", 0)}", environment["services__api__http__0"]);
        Assert.Equal($"http://127.0.0.1:{api.Resource.GetPort("http", 1)}", environment["services__api__http__1"]);
        Assert.NotEqual(environment["services__api__http__0"], environment["services__api__http__1"]);
        Assert.DoesNotContain("services__api__http__2", environment.Keys);
        Assert.Equal(adminKey.Resource.Value, environment["Admin__Key"]);
    }

    [Fact]
    public async Task EachProjectReplicaGetsItsOwnUrlServiceNameAndInstanceIdButNoOtlpEndpointWithoutAReceiver()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state);
        var echo = builder.AddProject("echo", TestAppHostProject).WithArgs("service", state.Path).WithReplicas(2).WithHttpHealthCheck("/health");
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        await app.WaitForResourceHealthyAsync("echo", Cancellation).WaitAsync(TimeSpan.FromSeconds(90), Cancellation);

        for (var replica = 0; replica < 2; replica++)
        {
            var environment = await ReadEnvironmentFileAsync(Path.Combine(state.Path, $"echo-{replica}.env"));
            Assert.Equal($"http://127.0.0.1:{echo.Resource.GetPort("http", replica)}", environment["ASPNETCORE_URLS"]);
            Assert.Equal("echo", environment["OTEL_SERVICE_NAME"]);
            Assert.Equal($"service.instance.id=echo-{replica}", environment["OTEL_RESOURCE_ATTRIBUTES"]);
            Assert.DoesNotContain("OTEL_EXPORTER_OTLP_ENDPOINT", environment.Keys);
        }
    }

    [Fact]
    public async Task AProjectAddedByItsGeneratedTypeRunsFromItsBuildOutputAndIsNotBuiltAgain()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state, buildProjects: true);
        var echo = builder.AddProject<EchoProject>("echo").WithArgs("service", state.Path).WithHttpHealthCheck("/health");
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        await app.WaitForResourceHealthyAsync("echo", Cancellation).WaitAsync(TimeSpan.FromSeconds(90), Cancellation);

        Assert.Equal(TestAppHostAssembly, echo.Resource.AssemblyPath);
        Assert.True(echo.Resource.BuiltWithAppHost);
        Assert.False(Directory.Exists(Path.Combine(state.Path, "build")), "the AppHost built a project that its own build had built");
    }

    [Fact]
    public async Task AResourceStartsOnlyOnceWhatItWaitsForAcceptsConnections()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state);
        var redis = builder.AddRedis("redis");
        var output = Path.Combine(state.Path, "probe.txt");
        builder.AddExecutable(
                "probe",
                "bash",
                state.Path,
                "-c",
                $"if (exec 3<>/dev/tcp/127.0.0.1/${{ConnectionStrings__redis#*:}}) 2>/dev/null; then echo up; else echo down; fi > {output}.tmp && mv {output}.tmp {output}; exec sleep 600")
            .WithReference(redis)
            .WaitFor(redis);
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        await Poll.UntilAsync(() => File.Exists(output), TimeSpan.FromSeconds(60), "the probe ran");

        Assert.Equal("up", (await File.ReadAllTextAsync(output, Cancellation)).Trim());
    }

    [Fact]
    public async Task ACrashedResourceIsRestartedWithExponentiallyGrowingDelays()
    {
        using var state = new TempDirectory("hosting");
        var backoff = TimeSpan.FromMilliseconds(300);
        var builder = CreateBuilder(state, restartBackoff: backoff);
        var starts = Path.Combine(state.Path, "starts");
        builder.AddExecutable("crasher", "sh", state.Path, "-c", $"date +%s%N >> {starts}; exit 3");
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        // Five starts, of which the first four are read: the last line may still be being written.
        await Poll.UntilAsync(() => File.Exists(starts) && File.ReadAllLines(starts).Length >= 5, TimeSpan.FromSeconds(60), "the crasher started 5 times");

        var times = File.ReadAllLines(starts).Take(4).Select(line => TimeSpan.FromTicks(long.Parse(line, System.Globalization.CultureInfo.InvariantCulture) / 100)).ToList();
        for (var i = 1; i < times.Count; i++)
        {
            var expected = backoff * Math.Pow(2, i - 1);
            Assert.True(times[i] - times[i - 1] >= expected, $"restart {i} came {(times[i] - times[i - 1]).TotalMilliseconds} ms after the crash; expected at least {expected.TotalMilliseconds} ms");
        }

        Assert.True(app.GetSnapshots().Single(r => r.Name == "crasher").Replicas[0].Restarts >= 3);
    }

    [Fact]
    public async Task StoppingTheApplicationLeavesNoChildProcessEvenOneThatIgnoresSigterm()
    {
        using var state = new TempDirectory("hosting");
        var builder = CreateBuilder(state);
        builder.AddRedis("redis");
        builder.AddExecutable("sleeper", "sleep", state.Path, "600").WithReplicas(2);
        builder.AddExecutable("stubborn", "sh", state.Path, "-c", "trap '' TERM; exec sleep 600");
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        await app.WaitForAllHealthyAsync(Cancellation).WaitAsync(TimeSpan.FromSeconds(60), Cancellation);
        var pids = app.GetSnapshots().SelectMany(r => r.Replicas).Select(r => r.ProcessId!.Value).ToList();
        Assert.Equal(4, pids.Count);
        Assert.All(pids, pid => Assert.True(ProcessTable.IsAlive(pid)));

        // Each child leads its own session: a terminal's Ctrl+C reaches the AppHost, which stops them in order.
        Assert.All(pids, pid => Assert.Equal(pid, ProcessTable.SessionOf(pid)));

        await app.StopAsync();

        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} outlived the application"));
        Assert.All(app.GetSnapshots().SelectMany(r => r.Replicas), r => Assert.Equal(ReplicaState.Finished, r.State));
    }

    [Fact]
    public async Task ChildrenDieWithTheAppHostWhenItIsKilledWithSigkill()
    {
        using var state = new TempDirectory("hosting");
        await using var host = await ServerProcess.StartAsync("dotnet", [TestAppHostAssembly, "apphost", state.Path]);
        IReadOnlyList<(int Pid, string Command)> children = [];
        try
        {
            await Poll.UntilAsync(
                () => (children = ProcessTable.ChildrenOf(host.Id)).Count(c => c.Command is "sleep" or "redis-server") == 3 || host.HasExited,
                TimeSpan.FromSeconds(60),
                "the AppHost started two sleepers and redis-server");
            Assert.False(host.HasExited, host.Output);

            System.Diagnostics.Process.GetProcessById(host.Id).Kill(entireProcessTree: false);
            await host.WaitForExitAsync(Cancellation);

            await Poll.UntilAsync(() => !children.Any(c => ProcessTable.IsAlive(c.Pid)), TimeSpan.FromSeconds(10), "every child of the killed AppHost is gone");
        }
        finally
        {
            foreach (var (pid, _) in children.Where(c => ProcessTable.IsAlive(c.Pid)))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
        }
    }

    [Fact]
    public async Task AGeneratedSecretIsPersistedPerCheckoutAndMaskedWhereverItIsShown()
    {
        using var state = new TempDirectory("hosting");
        using var otherCheckout = new TempDirectory("hosting");
        var first = CreateBuilder(state).AddParameter("admin-key", secret: true).Resource.Value;
        var builder = CreateBuilder(state);
        var adminKey = builder.AddParameter("admin-key", secret: true);
        builder.AddExecutable("consumer", "sleep", state.Path, "600")
            .WithEnvironment("Admin__Key", adminKey)
            .WithEnvironment("Visible", "plain");
        await using var app = builder.Build();

        await app.StartAsync(Cancellation);
        var shown = app.GetSnapshots().Single(r => r.Name == "consumer").Replicas[0].Environment;

        Assert.Equal(first, adminKey.Resource.Value);
        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.NotEqual(first, CreateBuilder(otherCheckout).AddParameter("admin-key", secret: true).Resource.Value);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(app.ParametersFile));
        Assert.Equal(DistributedApplication.Mask, shown["Admin__Key"]);
        Assert.Equal("plain", shown["Visible"]);
    }

    /// <summary>What MSBuild generates for a project the AppHost references (AppHost/Scrapbook.AppHost.csproj).</summary>
    private sealed class EchoProject : IProjectMetadata
    {
        public string ProjectPath => Path.Combine(TestAppHostProject, "Scrapbook.Hosting.TestAppHost.csproj");
    }
}
