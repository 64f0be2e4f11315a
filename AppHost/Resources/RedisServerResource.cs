using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Debian's <c>redis-server</c> run as an executable (no container runtime needed), with the connection string Aspire's
/// Redis integration would give: <c>host:port</c>, as StackExchange.Redis reads it.
/// </summary>
public sealed class RedisServerResource(string name, string workingDirectory)
    : ExecutableResource(name, "redis-server", workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.IPV4Host)}:{Endpoint.Property(EndpointProperty.Port)}");
}

public static class RedisServerResourceBuilderExtensions
{
    /// <summary>
    /// Adds redis-server with its append-only file in the data folder (data survives a restart). Healthy once it
    /// answers PING: DCP's proxy accepts a TCP connection even while nothing listens behind it.
    /// </summary>
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name)
    {
        builder.RequireCommand("redis-server");
        var data = builder.GetDataDirectory(name);
        var redis = new RedisServerResource(name, data);
        var healthCheck = $"{name}-ping";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new RedisPingHealthCheck(redis.Endpoint), null, null));

        return builder.AddResource(redis)
            .WithEndpoint(name: RedisServerResource.EndpointName, scheme: "tcp")
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(redis.Endpoint.Property(EndpointProperty.TargetPort));
                string[] rest = ["--bind", "127.0.0.1", "--dir", data, "--appendonly", "yes", "--save", "", "--daemonize", "no", "--loglevel", "warning"];
                foreach (var argument in rest)
                {
                    context.Args.Add(argument);
                }
            })
            .WithHealthCheck(healthCheck);
    }

    private sealed class RedisPingHealthCheck(EndpointReference endpoint) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", endpoint.Port, timeout.Token);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
                var reply = new byte[64];
                var read = await stream.ReadAsync(reply, timeout.Token);
                var text = Encoding.ASCII.GetString(reply, 0, read);
                return text.StartsWith("+PONG", StringComparison.Ordinal)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"PING answered '{text.TrimEnd()}'");
            }
            catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("redis-server does not answer PING", exception);
            }
        }
    }
}
