using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class ReconnectTests
{
    private static readonly TimeSpan s_noHang = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AfterRedisIsKilledAndRestartedTheClientReconnectsAndTheNextCommandSucceeds()
    {
        await using var server = await StartAsync();
        await using var client = Client(server.ConnectionString);
        Assert.True(await client.StringSetAsync("before-crash", "1", cancellationToken: Ct));

        await server.KillAsync();

        // During the outage a command fails with the typed exception instead of hanging.
        await Assert.ThrowsAsync<RedisConnectionException>(() => client.StringGetAsync("before-crash", Ct).WaitAsync(s_noHang, Ct));

        await server.StartAsync(Ct);
        await EventuallyAsync(() => Succeeds(client.PingAsync(Ct)), s_noHang, "the client to reconnect");

        // A new, empty server (no persistence) answers: the data went with the crash, new writes work.
        Assert.Null(await client.StringGetAsync("before-crash", Ct));
        Assert.True(await client.StringSetAsync("after-restart", "2", cancellationToken: Ct));
        Assert.Equal("2", await client.StringGetAsync("after-restart", Ct));
    }

    [Fact]
    public async Task ABlockedReadInFlightWhenRedisDiesFailsWithRedisConnectionException()
    {
        await using var server = await StartAsync();
        await using var client = Client(server.ConnectionString);
        var read = client.StreamReadAsync("events", "$", block: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await UntilBlockedClientsAsync(server, 1);

        await server.KillAsync();

        await Assert.ThrowsAsync<RedisConnectionException>(() => read.WaitAsync(s_noHang, Ct));
    }

    [Fact]
    public async Task CommandsFailFastWhileRedisIsDownAndTheClientKeepsTrying()
    {
        await using var server = await StartAsync();
        await using var client = Client(server.ConnectionString);
        await client.PingAsync(Ct);
        await server.KillAsync();

        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.StringIncrementAsync("down", Ct).WaitAsync(s_noHang, Ct));
            Assert.Contains(server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        }

        await server.StartAsync(Ct);
        await EventuallyAsync(() => Succeeds(client.PingAsync(Ct)), s_noHang, "the client to reconnect");
        Assert.Equal(1, await client.StringIncrementAsync("down", Ct));
    }

    [Fact]
    public async Task NothingListeningGivesRedisConnectionExceptionNotAHang()
    {
        var port = Scrapbook.Testing.FreePort.Next();
        await using var client = Client($"127.0.0.1:{port},connectTimeout=2000");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => client.PingAsync(Ct).WaitAsync(s_noHang, Ct));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposingTheClientStopsItAndLaterCallsSayItIsDisposed()
    {
        await using var server = await StartAsync();
        var client = Client(server.ConnectionString);
        await client.PingAsync(Ct);
        var blocked = client.StreamReadAsync("events", "$", block: TimeSpan.FromMinutes(5), cancellationToken: Ct);
        await UntilBlockedClientsAsync(server, 1);

        await client.DisposeAsync().AsTask().WaitAsync(s_noHang, Ct);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => blocked.WaitAsync(s_noHang, Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.PingAsync(Ct));
    }

    private static async Task<bool> Succeeds(Task task)
    {
        try
        {
            await task;
            return true;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}
