using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed class ErrorAndHealthTests
{
    private const string Secret = "connection string with password=hunter2";

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task AnUnhandledExceptionBecomesA500ProblemWithoutItsMessageOrStackTrace(string environment)
    {
        await using var service = await TestService.StartAsync(
            builder => builder.AddServiceDefaults(),
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/boom", string () => throw new InvalidOperationException(Secret));
            },
            environmentName: environment);
        using var client = service.CreateClient();

        using var response = await client.GetAsync("/boom", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(InvalidOperationException), body, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(ErrorAndHealthTests), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyErrorResponseGetsAProblemBody()
    {
        await using var service = await TestService.StartAsync(builder => builder.AddServiceDefaults(), app => app.MapDefaultEndpoints());
        using var client = service.CreateClient();

        using var response = await client.GetAsync("/no/such/route", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public async Task AMalformedJsonBodyIsA400ProblemWithTheStableMalformedType(string environment)
    {
        await using var service = await TestService.StartAsync(
            builder => builder.AddServiceDefaults(),
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapPost("/echo", (Dictionary<string, string> body) => body.Count);
            },
            environmentName: environment);
        using var client = service.CreateClient();

        using var content = new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/echo", content, TestContext.Current.CancellationToken);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Scrapbook.Contracts.ProblemTypes.Malformed, problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task TheWorkerAnswersHealthAndAliveFromASlimHost()
    {
        await using var worker = await TestService.StartAsync(builder => builder.AddBasicServiceDefaults(), app => app.MapDefaultEndpoints(), slim: true);
        using var client = worker.CreateClient();

        Assert.Equal("Healthy", await client.GetStringAsync("/health", TestContext.Current.CancellationToken));
        Assert.Equal("Healthy", await client.GetStringAsync("/alive", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AFailingDependencyMakesTheServiceUnreadyButStillAlive()
    {
        await using var service = await TestService.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("down"));
            },
            app => app.MapDefaultEndpoints());
        using var client = service.CreateClient();

        using var health = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        using var alive = await client.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}
