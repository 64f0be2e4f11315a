using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task AddRedisClientReadsTheAspireConnectionStringAndItsHealthCheckPingsRedis()
    {
        await using var server = await StartAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:redis", server.ConnectionString)]);
        builder.Services.AddLogging();

        builder.AddRedisClient();

        await using var services = builder.Services.BuildServiceProvider();
        var client = services.GetRequiredService<IRedisClient>();
        Assert.Same(client, services.GetRequiredKeyedService<IRedisClient>("redis"));
        Assert.True(await client.StringSetAsync("via-di", "1", cancellationToken: Ct));

        var health = services.GetRequiredService<HealthCheckService>();
        var healthy = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, healthy.Entries["redis"].Status);

        await server.KillAsync();
        var unhealthy = await health.CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Entries["redis"].Status);
    }

    [Fact]
    public void AddRedisClientFailsAtStartWhenTheConnectionStringIsMissing()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedisClient("cache"));

        Assert.Contains("ConnectionStrings__cache", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRedisClientFailsAtStartWhenTheConnectionStringIsMalformed()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:redis", "localhost:notaport")]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddRedisClient());

        Assert.Contains("ConnectionStrings:redis", error.Message, StringComparison.Ordinal);
        Assert.IsType<FormatException>(error.InnerException);
    }
}
