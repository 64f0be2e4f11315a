using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>The AppHost's application model, built and not started.</summary>
public sealed class AppHostModelTests : DeadlineTest
{
    [Fact]
    public async Task TheGatewayListensItselfSoThatItsRateLimitsSeeEachClientsOwnAddress()
    {
        CancelAfter(TimeSpan.FromMinutes(2));
        using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Scrapbook_AppHost>(Cancellation);

        var gateway = builder.Resources.Single(r => r.Name == "gateway");
        var http = gateway.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");

        // Behind the orchestrator's proxy every client would arrive from 127.0.0.1, and one flooding client would
        // exhaust the per-address upload limit for everyone.
        Assert.False(http.IsProxied);
        Assert.Equal(8080, http.Port);
        Assert.Equal(http.Port, http.TargetPort);
    }
}
