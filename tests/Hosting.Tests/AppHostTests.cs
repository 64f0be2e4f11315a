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
    public async Task TheAppHostStartsTheWholeSystemBehindTheGatewayAndSigtermLeavesNoChildBehind()
    {
        using var state = new TempDirectory("hosting-apphost");
        var gatewayPort = FreePort.Next();

        // The test run built every project already; a non-default gateway port keeps clear of a developer's 8080.
        await using var host = ServerProcess.Start("dotnet",
        [
            AppHostAssembly,
            $"--Gateway:Port={gatewayPort.ToString(CultureInfo.InvariantCulture)}",
            $"--AppHost:StateDirectory={state.Path}",
            "--AppHost:BuildProjects=false",
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
        var children = ProcessTable.ChildrenOf(host.Id);
        Assert.Equal(8, children.Count); // redis-server, Azurite, gallery, upload, notify, gateway and two workers

        var exitCode = await host.TerminateAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.All(children, child => Assert.False(ProcessTable.IsAlive(child.Pid), $"{child.Command} ({child.Pid}) outlived the AppHost"));
        Assert.True(File.Exists(Path.Combine(state.Path, "parameters.json")));
    }
}
