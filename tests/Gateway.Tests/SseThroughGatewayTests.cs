using System.Globalization;
using Scrapbook.Contracts;
using StackExchange.Redis;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// A real redis-server and Notify.Api (a real process; heartbeat every 300 ms, an 8-event buffer per connection)
/// with the Gateway routing <c>/api/events</c> to it, as a browser sees it. The Gateway runs as its own process too,
/// as the AppHost and production run it.
/// </summary>
public sealed class NotifyBehindGateway : IAsyncLifetime
{
    private readonly AzuriteServer _azurite = new();
    private readonly TempDirectory _data = new("sse-gateway-gallery");
    private ServiceUnderTest? _gallery;
    private RelayedEventWriter? _events;
    private ConnectionMultiplexer? _redis;
    private ServiceUnderTest? _notify;
    private ServiceUnderTest? _gateway;

    public RedisServer Redis { get; } = new();

    internal Uri GatewayAddress => _gateway!.BaseAddress;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync().AsTask(), _azurite.InitializeAsync().AsTask());
        _redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
        _events = new RelayedEventWriter(_redis);
        // Gallery.Api says whom owner tokens act for; the tests write the events stream themselves.
        _gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "gallery-api",
            ["ConnectionStrings__gallerydb"] = $"Data Source={Path.Combine(_data.Path, "gallery.db")}",
            ["ConnectionStrings__blobs"] = _azurite.ConnectionString,
            ["ConnectionStrings__queues"] = _azurite.ConnectionString,
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["Admin__Key"] = Guid.NewGuid().ToString("N"),
        });
        var environment = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "notify-api",
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["Notify__HeartbeatInterval"] = "00:00:00.300",
            ["Notify__ConnectionBufferSize"] = "8",
            ["services__gallery-api__http__0"] = _gallery.BaseAddress.ToString().TrimEnd('/'),
        };
        _notify = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api", environment);
        _gateway = await ServiceUnderTest.StartAsync("Gateway", "Scrapbook.Gateway", new Dictionary<string, string?>
        {
            // The gateway needs a blob store to start (for /media); these tests never read from it.
            ["ConnectionStrings__blobs"] = _azurite.ConnectionString,
            ["services__notify-api__http__0"] = _notify.BaseAddress.ToString().TrimEnd('/'),
        });
    }

    public Task<long> AddEventAsync(string type, string data, string? ownerId = null, CancellationToken cancellationToken = default) =>
        _events!.AddEventAsync(type, data, ownerId, cancellationToken);

    public Task<long> AddPhotoEventAsync(string caption, CancellationToken cancellationToken = default) =>
        _events!.AddPhotoEventAsync(caption, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_gateway is not null)
            {
                await _gateway.DisposeAsync();
            }

            if (_notify is not null)
            {
                await _notify.DisposeAsync();
            }

            if (_gallery is not null)
            {
                await _gallery.DisposeAsync();
            }

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }
        finally
        {
            await Redis.DisposeAsync();
            await _azurite.DisposeAsync();
            _data.Dispose();
        }
    }
}

public sealed class SseThroughGatewayTests(NotifyBehindGateway system) : IClassFixture<NotifyBehindGateway>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnEventAddedToTheStreamArrivesThroughTheGatewayWithItsIdTypeAndData()
    {
        await using var client = await SseConnection.OpenAsync(system.GatewayAddress, cancellationToken: Ct);
        Assert.Equal("text/event-stream", client.Response.Content.Headers.ContentType?.MediaType);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);

        var sequence = await system.AddPhotoEventAsync("arrives", Ct);

        var frame = await client.NextEventAsync(cancellationToken: Ct);
        Assert.Equal(sequence.ToString(CultureInfo.InvariantCulture), frame.Id);
        Assert.Equal(EventTypes.PhotoReady, frame.Event);
        Assert.Equal("""{"caption":"arrives"}""", frame.Data);
    }

    [Fact]
    public async Task AHeartbeatCommentArrivesThroughTheGatewayOnAQuietStream()
    {
        await using var client = await SseConnection.OpenAsync(system.GatewayAddress, cancellationToken: Ct);

        var heartbeat = await client.NextAsync(f => f.Comment is not null, TimeSpan.FromSeconds(10), Ct);

        Assert.Equal("heartbeat", heartbeat.Comment);
    }

    [Fact]
    public async Task AClientThatReconnectsWithLastEventIdThroughTheGatewayGetsExactlyTheEventsItMissed()
    {
        long seen;
        await using (var first = await SseConnection.OpenAsync(system.GatewayAddress, cancellationToken: Ct))
        {
            await first.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
            seen = await system.AddPhotoEventAsync("seen", Ct);
            Assert.Equal(seen, (await first.NextEventAsync(cancellationToken: Ct)).Sequence);
        }

        var missed = new[] { await system.AddPhotoEventAsync("missed 1", Ct), await system.AddPhotoEventAsync("missed 2", Ct) };
        await using var resumed = await SseConnection.OpenAsync(system.GatewayAddress, lastEventId: seen.ToString(CultureInfo.InvariantCulture), cancellationToken: Ct);
        var after = await system.AddPhotoEventAsync("after", Ct);

        var received = new List<long>();
        while (received.Count < 3)
        {
            received.Add((await resumed.NextEventAsync(cancellationToken: Ct)).Sequence);
        }

        Assert.Equal([.. missed, after], received);
    }

    [Fact]
    public async Task AClientThatNeverReadsIsDroppedWhileAFastClientThroughTheGatewayKeepsReceivingEverything()
    {
        await using var fast = await SseConnection.OpenAsync(system.GatewayAddress, cancellationToken: Ct);
        await using var slow = await SseConnection.OpenAsync(system.GatewayAddress, startReading: false, receiveBufferSize: 4096, cancellationToken: Ct);
        await fast.NextAsync(f => f.Retry is not null, cancellationToken: Ct);

        // Between the slow client and Notify.Api sit two sockets (each a send buffer up to tcp_wmem's maximum and
        // a receive buffer up to tcp_rmem's) and the gateway's own pipes: send far more than all of them hold.
        var padding = new string('x', 16 * 1024);
        var bytes = 2 * (MaxBufferBytes("tcp_wmem") + MaxBufferBytes("tcp_rmem")) + (4 << 20);
        var events = (int)(bytes / padding.Length);
        var sent = new List<long>();
        for (var i = 0; i < events; i++)
        {
            var sequence = await system.AddPhotoEventAsync($"{i} {padding}", Ct);
            sent.Add(sequence);
            Assert.Equal(sequence, (await fast.NextEventAsync(cancellationToken: Ct)).Sequence);
        }

        slow.StartReading();
        var slowEvents = (await slow.ReadToEndAsync(TimeSpan.FromSeconds(60), Ct)).Where(f => f.IsEvent).Select(f => f.Sequence).ToList();
        Assert.True(slowEvents.Count < sent.Count, $"the slow client got all {sent.Count} events: it was never dropped");
        Assert.Equal(sent.Take(slowEvents.Count), slowEvents);
    }

    [Fact]
    public async Task AnOwnerOnlyEventReachesThroughTheGatewayOnlyTheClientsPresentingThatOwnersToken()
    {
        var ownerToken = OwnerToken.Create();
        var ownerId = OwnerToken.ComputeHash(ownerToken)!;
        await using var ownerByHeader = await SseConnection.OpenAsync(system.GatewayAddress, bearerToken: ownerToken, cancellationToken: Ct);
        await using var ownerByCookie = await SseConnection.OpenAsync(system.GatewayAddress, cookie: $"{OwnerToken.CookieName}={ownerToken}", cancellationToken: Ct);
        await using var stranger = await SseConnection.OpenAsync(system.GatewayAddress, bearerToken: OwnerToken.Create(), cancellationToken: Ct);
        await using var anonymous = await SseConnection.OpenAsync(system.GatewayAddress, cancellationToken: Ct);
        foreach (var client in new[] { ownerByHeader, ownerByCookie, stranger, anonymous })
        {
            await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        }

        var privateEvent = await system.AddEventAsync(EventTypes.PhotoFailed, """{"reason":"not an image"}""", ownerId, Ct);
        var publicEvent = await system.AddPhotoEventAsync("for everyone", Ct);

        // Events ahead of this test's (none expected) are skipped; the public event marks where the test's events end.
        bool OfThisTest(SseFrame f) => f.IsEvent && f.Sequence >= privateEvent;
        foreach (var owner in new[] { ownerByHeader, ownerByCookie })
        {
            Assert.Equal(privateEvent, (await owner.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
            Assert.Equal(publicEvent, (await owner.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
        }

        foreach (var other in new[] { stranger, anonymous })
        {
            Assert.Equal(publicEvent, (await other.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
        }
    }

    private static long MaxBufferBytes(string setting)
    {
        var path = "/proc/sys/net/ipv4/" + setting;
        return File.Exists(path) && File.ReadAllText(path).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries) is [_, _, var max]
            ? long.Parse(max, CultureInfo.InvariantCulture)
            : 6 << 20;
    }
}
