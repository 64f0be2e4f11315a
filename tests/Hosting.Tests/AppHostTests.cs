using System.Globalization;
using System.Net;
using Scrapbook.Testing;
using static Scrapbook.Hosting.Tests.HostingTestSupport;

namespace Scrapbook.Hosting.Tests;

/// <summary>Scrapbook's own model (AppHost/Program.cs) run as a real process, the way a developer runs it.</summary>
public sealed class AppHostTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheAppHostStartsTheWholeSystemShowsItOnTheDashboardRestartsAKilledWorkerAndLeavesNoChildAfterSigterm()
    {
        using var state = new TempDirectory("hosting-apphost");
        var gatewayPort = FreePort.Next();
        var dashboardPort = FreePort.Next();

        // The test run built every project already; a non-default gateway port keeps clear of a developer's 8080.
        await using var host = ServerProcess.Start("dotnet",
        [
            AppHostAssembly,
            $"--Gateway:Port={gatewayPort.ToString(CultureInfo.InvariantCulture)}",
            $"--AppHost:StateDirectory={state.Path}",
            "--AppHost:BuildProjects=false",
            $"--Dashboard:Port={dashboardPort.ToString(CultureInfo.InvariantCulture)}",
        ]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{gatewayPort.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
        var healthy = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!healthy && !host.HasExited && DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/health", Cancellation);
                healthy = response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
            }

            if (!healthy)
            {
                await Task.Delay(200, Cancellation);
            }
        }

        Assert.True(healthy, host.Output);
        using var photos = await http.GetAsync("/api/photos", Cancellation);
        Assert.Equal(HttpStatusCode.OK, photos.StatusCode);
        await Poll.UntilAsync(() => host.Output.Contains("All 11 resources are running and healthy", StringComparison.Ordinal), TimeSpan.FromMinutes(1), "the AppHost reported every resource healthy");
        Assert.Equal(8, ProcessTable.ChildrenOf(host.Id).Count); // redis-server, Azurite, gallery, upload, notify, gateway and two workers
        await DashboardShowsEveryResourceOnlyAfterLoginAsync(host.Output, dashboardPort);
        var children = ProcessTable.ChildrenOf(host.Id);
        Assert.Equal(8, children.Count);

        var exitCode = await host.TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.All(children, child => Assert.False(ProcessTable.IsAlive(child.Pid), $"{child.Command} ({child.Pid}) outlived the AppHost"));
        Assert.True(File.Exists(Path.Combine(state.Path, "parameters.json")));
    }

    private static async Task DashboardShowsEveryResourceOnlyAfterLoginAsync(string output, int port)
    {
        var login = System.Text.RegularExpressions.Regex.Match(output, $@"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}/login\?t=[0-9a-f]{{32}}");
        Assert.True(login.Success, output);
        using var dashboard = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}") };

        using (var anonymous = await dashboard.GetAsync("/api/resources", Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrongToken = await dashboard.GetAsync("/login?t=" + new string('0', 32), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        }

        using (var page = await dashboard.GetAsync(new Uri(login.Value).PathAndQuery, Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the login sets the cookie and redirects to the resources page
            Assert.Contains("<h1>Resources</h1>", await page.Content.ReadAsStringAsync(Cancellation), StringComparison.Ordinal);
        }

        using var resources = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources", Cancellation));
        var byName = resources.RootElement.EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(11, byName.Count);
        var workers = byName["thumbnail-worker"].GetProperty("replicas").EnumerateArray().ToList();
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.Equal("Running", w.GetProperty("state").GetString()));
        Assert.True(byName["gateway"].GetProperty("replicas")[0].GetProperty("isHealthy").GetBoolean());
        Assert.Equal(DistributedApplication.Mask, byName["gallery-api"].GetProperty("replicas")[0].GetProperty("environment").GetProperty("Admin__Key").GetString());
        using var console = await dashboard.GetAsync("/api/resources/gateway/console", Cancellation);
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);

        // A worker replica killed as a crash would kill it comes back, and the dashboard counts the restart.
        var killed = workers[1].GetProperty("processId").GetInt32();
        System.Diagnostics.Process.GetProcessById(killed).Kill();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        System.Text.Json.JsonElement replica;
        do
        {
            await Task.Delay(200, Cancellation);
            using var now = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources", Cancellation));
            replica = now.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "thumbnail-worker").GetProperty("replicas")[1].Clone();
        }
        while (!(replica.GetProperty("isHealthy").GetBoolean() && replica.GetProperty("processId").GetInt32() != killed) && DateTime.UtcNow < deadline);

        Assert.NotEqual(killed, replica.GetProperty("processId").GetInt32());
        Assert.True(replica.GetProperty("isHealthy").GetBoolean());
        Assert.Equal(1, replica.GetProperty("restarts").GetInt32());
    }
}
