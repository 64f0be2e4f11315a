using System.Net;
using Scrapbook.Testing;

namespace Scrapbook.Hosting.Tests;

/// <summary>
/// Scrapbook's own model (AppHost/Program.cs) run as a real process, the way a developer runs it: start, dashboard
/// login, stop. What the running system does (uploads, traces, a killed worker) is in <see cref="EndToEndTests"/>.
/// </summary>
public sealed class AppHostTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheAppHostStartsTheWholeSystemShowsItOnTheDashboardOnlyWithItsTokenAndLeavesNoChildAfterSigterm()
    {
        // The test run built every project already; non-default ports keep clear of a developer's 8080 and 18888.
        await using var host = await AppHostProcess.StartAsync(cancellationToken: Cancellation);
        using var http = host.CreateGatewayClient(TimeSpan.FromSeconds(10));
        using (var health = await http.GetAsync("/health", Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        using var photos = await http.GetAsync("/api/photos", Cancellation);
        Assert.Equal(HttpStatusCode.OK, photos.StatusCode);
        Assert.Contains("All 11 resources are running and healthy", host.Output, StringComparison.Ordinal);
        Assert.Equal(8, ProcessTable.ChildrenOf(host.ProcessId).Count); // redis-server, Azurite, gallery, upload, notify, gateway and two workers
        await DashboardShowsEveryResourceOnlyAfterLoginAsync(host);
        var children = ProcessTable.ChildrenOf(host.ProcessId);
        Assert.Equal(8, children.Count);

        var exitCode = await host.StopAsync();

        Assert.Equal(0, exitCode);
        Assert.All(children, child => Assert.False(ProcessTable.IsAlive(child.Pid), $"{child.Command} ({child.Pid}) outlived the AppHost"));
        Assert.Matches("^[0-9a-f]{32}$", host.AdminKey); // generated and persisted in the state directory's parameters.json
    }

    private static async Task DashboardShowsEveryResourceOnlyAfterLoginAsync(AppHostProcess host)
    {
        using var dashboard = new HttpClient { BaseAddress = host.DashboardUrl };

        using (var anonymous = await dashboard.GetAsync("/api/resources", Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrongToken = await dashboard.GetAsync("/login?t=" + new string('0', 32), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        }

        using (var page = await dashboard.GetAsync(host.DashboardLoginUrl.PathAndQuery, Cancellation))
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
        Assert.Equal("Project", byName["gateway"].GetProperty("type").GetString());
        Assert.Equal("Parameter", byName["admin-key"].GetProperty("type").GetString());
        Assert.Equal(DistributedApplication.Mask, byName["gallery-api"].GetProperty("replicas")[0].GetProperty("environment").GetProperty("Admin__Key").GetString());
        using var console = await dashboard.GetAsync("/api/resources/gateway/console", Cancellation);
        Assert.Equal(HttpStatusCode.OK, console.StatusCode);
    }
}
