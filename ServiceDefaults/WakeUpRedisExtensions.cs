using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Scrapbook.ServiceDefaults;

public static class WakeUpRedisExtensions
{
    /// <summary>
    /// Aspire's Redis client for <c>ConnectionStrings:{connectionName}</c>, for a service that keeps working while Redis is down: Redis
    /// only carries its wake-ups (job nudges, event-stream appends that the outbox holds until Redis is back, owner-token revocations that cached answers also expire), so an unreachable Redis
    /// makes <c>/health</c> report Degraded, not Unhealthy — the service stays in rotation and accepts uploads meanwhile.
    /// </summary>
    public static IHostApplicationBuilder AddWakeUpRedisClient(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddRedisClient(connectionName, settings => settings.DisableHealthChecks = true);
        builder.Services.AddHealthChecks().AddRedis(
            services => services.GetRequiredService<IConnectionMultiplexer>(),
            name: connectionName,
            failureStatus: HealthStatus.Degraded,
            tags: ["ready", "redis"],
            timeout: TimeSpan.FromSeconds(5));
        return builder;
    }
}
