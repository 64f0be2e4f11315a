using StackExchange.Redis;
using Scrapbook.Testing;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>
/// A real redis-server and Notify.Api started from its build output as a real process (Kestrel on
/// 127.0.0.1), configured as an orchestrator would. One per test class: the stream's ids must grow, and
/// each class owns its Redis.
/// </summary>
public sealed class NotifyFixture : IAsyncLifetime
{
    private readonly List<ServiceUnderTest> _services = [];
    private RelayedEventWriter? _events;
    private ConnectionMultiplexer? _redis;

    public RedisServer Redis { get; } = new();

    /// <summary>The Notify.Api most tests use (heartbeat every 200 ms).</summary>
    public ServiceUnderTest Notify { get; private set; } = null!;

    /// <summary>The test's own connection, for XADD/DEL as Gallery.Api's relay would write.</summary>
    public IDatabase Database => (_redis ?? throw new InvalidOperationException("The fixture has not started.")).GetDatabase();

    public async ValueTask InitializeAsync()
    {
        await Redis.InitializeAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString + ",abortConnect=false");
        _events = new RelayedEventWriter(_redis);
        Notify = await StartNotifyAsync();
    }

    /// <summary>Another Notify.Api on the same Redis, with <paramref name="settings"/> over the defaults.</summary>
    public async Task<ServiceUnderTest> StartNotifyAsync(IDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        var environment = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "notify-api",
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["Notify__HeartbeatInterval"] = "00:00:00.200",
            ["Notify__TailMaxBackoff"] = "00:00:00.500",
            ["Notify__TailSafetyInterval"] = "00:00:30",
            // Nothing listens on port 1: a replay that needs Gallery.Api fails fast, as when it is down.
            ["services__gallery-api__http__0"] = "http://127.0.0.1:1",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var service = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api", environment, cancellationToken);
        _services.Add(service);
        return service;
    }

    /// <summary>XADD in the relay's format, numbered by the fixture.</summary>
    public RelayedEventWriter Events => _events ?? throw new InvalidOperationException("The fixture has not started.");

    public Task<long> AddEventAsync(string type, string data, string? ownerId = null, CancellationToken cancellationToken = default) =>
        Events.AddEventAsync(type, data, ownerId, cancellationToken);

    public long NextSequence() => Events.NextSequence();

    public Task<long> AddEventAsync(long sequence, string type, string data, string? ownerId = null, CancellationToken cancellationToken = default) =>
        Events.AddEventAsync(sequence, type, data, ownerId, cancellationToken);

    public Task<long> AddPhotoEventAsync(string caption, CancellationToken cancellationToken = default) =>
        Events.AddPhotoEventAsync(caption, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var service in _services)
            {
                await service.DisposeAsync();
            }

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }
        finally
        {
            await Redis.DisposeAsync();
        }
    }
}
