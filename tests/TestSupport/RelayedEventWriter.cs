using System.Globalization;
using Scrapbook.Contracts;
using Scrapbook.Redis;

namespace Scrapbook.Testing;

/// <summary>
/// Writes events to <see cref="Channels.EventStream"/> as Gallery.Api's outbox relay does (id <c>{sequence}-0</c>,
/// fields type, data and, for owner-only events, owner), numbering them itself.
/// </summary>
public sealed class RelayedEventWriter(IRedisClient redis)
{
    private long _sequence;

    /// <summary>The next unused sequence (for a caller that retries one XADD with the same id).</summary>
    public long NextSequence() => Interlocked.Increment(ref _sequence);

    public Task<long> AddEventAsync(string type, string data, string? ownerId = null, CancellationToken cancellationToken = default) =>
        AddEventAsync(NextSequence(), type, data, ownerId, cancellationToken);

    public async Task<long> AddEventAsync(long sequence, string type, string data, string? ownerId = null, CancellationToken cancellationToken = default)
    {
        List<KeyValuePair<string, string>> fields = [new("type", type), new("data", data)];
        if (ownerId is not null)
        {
            fields.Add(new("owner", ownerId));
        }

        await redis.StreamAddAsync(Channels.EventStream, fields, sequence.ToString(CultureInfo.InvariantCulture) + "-0", cancellationToken: cancellationToken);
        return sequence;
    }

    /// <summary>A public <c>photo.ready</c>-shaped event whose data names it.</summary>
    public Task<long> AddPhotoEventAsync(string caption, CancellationToken cancellationToken = default) =>
        AddEventAsync(EventTypes.PhotoReady, $$"""{"caption":"{{caption}}"}""", cancellationToken: cancellationToken);
}
