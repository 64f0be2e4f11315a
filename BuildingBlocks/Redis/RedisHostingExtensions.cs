using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Redis;

public static class RedisHostingExtensions
{
    /// <summary>
    /// Registers an <see cref="IRedisClient"/> for <c>ConnectionStrings:{connectionName}</c> (as Aspire's
    /// AddRedisClient does): a singleton, also keyed by <paramref name="connectionName"/>, plus a PING health
    /// check named after the connection. A missing or malformed connection string fails here, at start.
    /// </summary>
    public static void AddRedisClient(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                $"Redis connection string '{connectionName}' is missing. Set ConnectionStrings:{connectionName} " +
                $"(environment variable ConnectionStrings__{connectionName}), e.g. 'localhost:6379' or 'host:6380,password=…,ssl=true'.");
        }

        RedisConnectionOptions options;
        try
        {
            options = RedisConnectionOptions.Parse(connectionString);
        }
        catch (FormatException exception)
        {
            throw new InvalidOperationException($"ConnectionStrings:{connectionName}: {exception.Message}", exception);
        }

        builder.Services.AddKeyedSingleton<IRedisClient>(
            connectionName,
            (services, _) => new RedisClient(options, services.GetService<ILoggerFactory>()?.CreateLogger<RedisClient>()));
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<IRedisClient>(connectionName));

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName,
            services => new RedisHealthCheck(services.GetRequiredKeyedService<IRedisClient>(connectionName)),
            failureStatus: null,
            tags: ["ready", "redis"]));
    }
}
