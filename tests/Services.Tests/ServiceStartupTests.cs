using System.Net;
using Scrapbook.Testing;

namespace Scrapbook.Services.Tests;

/// <summary>
/// Every service starts on its own (with real backing servers, as the AppHost would give them),
/// answers its health endpoints and stops on SIGTERM.
/// </summary>
public sealed class ServiceStartupTests(BackingServers servers) : IClassFixture<BackingServers>
{
    public static TheoryData<string, string> Services => new()
    {
        { "Gateway", "Scrapbook.Gateway" },
        { "Upload.Api", "Scrapbook.Upload.Api" },
        { "Gallery.Api", "Scrapbook.Gallery.Api" },
        { "Notify.Api", "Scrapbook.Notify.Api" },
        { "Thumbnail.Worker", "Scrapbook.Thumbnail.Worker" },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ServiceStartsAloneAndAnswersHealthAndAlive(string folder, string assembly)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var service = await ServiceUnderTest.StartAsync(folder, assembly, servers.EnvironmentFor(assembly), cancellationToken);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };

        using var health = await http.GetAsync("/health", cancellationToken);
        using var alive = await http.GetAsync("/alive", cancellationToken);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync(cancellationToken));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task ServiceStopsGracefullyOnSigterm(string folder, string assembly)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var service = await ServiceUnderTest.StartAsync(folder, assembly, servers.EnvironmentFor(assembly), cancellationToken);

        var exitCode = await service.StopAsync(TimeSpan.FromSeconds(15));

        Assert.True(exitCode == 0, $"{assembly} exit code {exitCode?.ToString() ?? "none (killed)"}:{Environment.NewLine}{service.Output}");
    }
}
