using Scrapbook.Testing;

namespace Scrapbook.Redis.Tests;

/// <summary>One redis-server shared by a test class (xunit cannot build RedisServer itself: its constructor takes an optional password).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; } = new();

    public ValueTask InitializeAsync() => Server.InitializeAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
