using Scrapbook.Testing;
using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class StringCommandTests(RedisServer server) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly RedisServer _server = server;
    private RedisClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = Client(_server.ConnectionString);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    [Fact]
    public async Task PingAnswers()
    {
        var latency = await _client.PingAsync(Ct);

        Assert.True(latency > TimeSpan.Zero);
    }

    [Fact]
    public async Task GetReturnsWhatSetStoredAndNullForAMissingKey()
    {
        Assert.True(await _client.StringSetAsync("greeting", "héllo, wörld\r\n", cancellationToken: Ct));

        Assert.Equal("héllo, wörld\r\n", await _client.StringGetAsync("greeting", Ct));
        Assert.Null(await _client.StringGetAsync("never-set", Ct));
    }

    [Fact]
    public async Task SetWithNxOnlyWritesWhenTheKeyIsAbsent()
    {
        Assert.True(await _client.StringSetAsync("lock:nx", "first", onlyIfNotExists: true, cancellationToken: Ct));
        Assert.False(await _client.StringSetAsync("lock:nx", "second", onlyIfNotExists: true, cancellationToken: Ct));

        Assert.Equal("first", await _client.StringGetAsync("lock:nx", Ct));
    }

    [Fact]
    public async Task SetWithAnExpiryLetsTheKeyExpire()
    {
        Assert.True(await _client.StringSetAsync("ttl:px", "soon gone", TimeSpan.FromMilliseconds(150), cancellationToken: Ct));
        Assert.True(await _client.StringSetAsync("ttl:ex", "stays a while", TimeSpan.FromSeconds(60), cancellationToken: Ct));

        await EventuallyAsync(async () => await _client.StringGetAsync("ttl:px", Ct) is null, TimeSpan.FromSeconds(10), "the PX key to expire");
        Assert.Equal("stays a while", await _client.StringGetAsync("ttl:ex", Ct));
        Assert.InRange(int.Parse(await CliAsync(_server, "TTL", "ttl:ex"), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
    }

    [Fact]
    public async Task SetWithNxAndExpiryTogetherActsAsALockThatLapses()
    {
        Assert.True(await _client.StringSetAsync("lock:lapse", "a", TimeSpan.FromMilliseconds(100), onlyIfNotExists: true, Ct));
        Assert.False(await _client.StringSetAsync("lock:lapse", "b", TimeSpan.FromMilliseconds(100), onlyIfNotExists: true, Ct));

        await EventuallyAsync(
            () => _client.StringSetAsync("lock:lapse", "c", TimeSpan.FromSeconds(60), onlyIfNotExists: true, Ct),
            TimeSpan.FromSeconds(10),
            "the lock to lapse so a new owner can take it");
        Assert.Equal("c", await _client.StringGetAsync("lock:lapse", Ct));
    }

    [Fact]
    public async Task IncrCountsUpFromZero()
    {
        Assert.Equal(1, await _client.StringIncrementAsync("counter:incr", Ct));
        Assert.Equal(2, await _client.StringIncrementAsync("counter:incr", Ct));
        Assert.Equal("2", await _client.StringGetAsync("counter:incr", Ct));
    }

    [Fact]
    public async Task DelReportsWhetherKeysExisted()
    {
        await _client.StringSetAsync("del:a", "1", cancellationToken: Ct);
        await _client.StringSetAsync("del:b", "2", cancellationToken: Ct);
        await _client.StringSetAsync("del:c", "3", cancellationToken: Ct);

        Assert.True(await _client.KeyDeleteAsync("del:a", Ct));
        Assert.False(await _client.KeyDeleteAsync("del:a", Ct));
        Assert.Equal(2, await _client.KeyDeleteAsync(["del:b", "del:c", "del:missing"], Ct));
        Assert.Null(await _client.StringGetAsync("del:b", Ct));
    }

    [Fact]
    public async Task ExpireAppliesToExistingKeysOnly()
    {
        await _client.StringSetAsync("expire:me", "x", cancellationToken: Ct);

        Assert.False(await _client.KeyExpireAsync("expire:missing", TimeSpan.FromSeconds(10), Ct));
        Assert.True(await _client.KeyExpireAsync("expire:me", TimeSpan.FromMilliseconds(100), Ct));
        await EventuallyAsync(async () => await _client.StringGetAsync("expire:me", Ct) is null, TimeSpan.FromSeconds(10), "the key to expire");
    }

    [Fact]
    public async Task ARedisErrorSurfacesAsRedisServerExceptionWithRedisMessage()
    {
        await _client.StreamAddAsync("wrongtype:stream", [new("f", "v")], cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => _client.StringGetAsync("wrongtype:stream", Ct));

        Assert.Equal("WRONGTYPE", error.Prefix);
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", error.Message);
        Assert.Equal(1, await _client.StringIncrementAsync("wrongtype:after", Ct));
    }

    [Fact]
    public async Task IncrOnANonIntegerIsAnErrReply()
    {
        await _client.StringSetAsync("incr:text", "abc", cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => _client.StringIncrementAsync("incr:text", Ct));

        Assert.Equal("ERR", error.Prefix);
        Assert.Contains("not an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlreadyCancelledTokenSendsNothing()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.StringSetAsync("cancelled", "x", cancellationToken: cancelled.Token));
        Assert.Null(await _client.StringGetAsync("cancelled", Ct));
    }
}
