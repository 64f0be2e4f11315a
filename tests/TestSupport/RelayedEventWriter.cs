using Scrapbook.Contracts;
using StackExchange.Redis;

namespace Scrapbook.Testing;

/// <summary>
/// Writes events to <see cref="Channels.EventStream"/> as Gallery.Api's outbox relay does (id <c>{sequence}-0</c>,
/// fields type, data and, for owner-only events, owner), then publishes the wake-up on <see cref="Channels.EventWake"/>;
/// numbers them itself.
/// </summary>
public sealed class RelayedEventWriter(IConnectionMultiplexer redis)
{
    private long _sequence;

    /// <summary>The next unused sequence (for a caller that retries one XADD with the same id).</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public Task<long> AddEventAsync(string type, string data, string? ownerId = null, CancellationToken cancellationToken = default) =>
        AddEventAsync(NextSequence(), type, data, ownerId, cancellationToken);

    public async Task<long> AddEventAsync(long sequence, string type, string data, string? ownerId = null, CancellationToken cancellationToken = default)
    {
        List<NameValueEntry> fields = [new("type", type), new("data", data)];
        if (ownerId is not null)
        {
            fields.Add(new("owner", ownerId));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var id = EventStreamIds.For(sequence);
        await redis.GetDatabase().StreamAddAsync(Channels.EventStream, [.. fields], id);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Channels.EventWake), id);
        return sequence;
    }

    /// <summary>A public <c>photo.ready</c>-shaped event whose data names it.</summary>
    public Task<long> AddPhotoEventAsync(string caption, CancellationToken cancellationToken = default) =>
        AddEventAsync(EventTypes.PhotoReady, $$"""{"caption":"{{caption}}"}""", cancellationToken: cancellationToken);
}
