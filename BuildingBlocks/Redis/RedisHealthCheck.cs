using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scrapbook.Redis;

/// <summary>Healthy when Redis answers PING.</summary>
internal sealed class RedisHealthCheck(IRedisClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await client.PingAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.0} ms.");
        }
        catch (RedisException exception)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"Redis did not answer PING: {exception.Message}", exception);
        }
    }
}
