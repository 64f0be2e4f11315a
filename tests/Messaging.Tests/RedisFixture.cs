using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Messaging.Tests;

/// <summary>A real redis-server and a multiplexer on it, as Aspire's <c>AddRedisClient</c> would hand the services.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private readonly RedisServer _server = new();
    private ConnectionMultiplexer? _multiplexer;

    public string ConnectionString => _server.ConnectionString;

    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("The Redis fixture has not started.");

    /// <summary>Connects the way Aspire does: a Redis that is down (now or later) is retried in the background, not fatal.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.AsyncTimeout = 2_000;
        options.SyncTimeout = 2_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask InitializeAsync()
    {
        await _server.InitializeAsync();
        _multiplexer = await ConnectAsync(_server.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync();
        }

        await _server.DisposeAsync();
    }
}
