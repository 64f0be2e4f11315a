using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Events;

/// <summary>
/// What a reconnecting client missed after its Last-Event-ID: from the Redis stream while it still holds
/// the next event, else from Gallery.Api's outbox; when neither can, the caller sends <c>event: reset</c>.
/// </summary>
internal sealed partial class EventReplay(
    IConnectionMultiplexer redis,
    GalleryEventsClient gallery,
    EventHub hub,
    IOptions<NotifyOptions> options,
    ILogger<EventReplay> logger)
{
    /// <summary>
    /// Streams the events after <paramref name="after"/> to <paramref name="write"/> in order. False when
    /// the missed events cannot be recovered (the client must reload).
    /// </summary>
    public async Task<bool> ReplayAsync(long after, EventAudience audience, Func<IReadOnlyList<StreamEvent>, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var pageSize = options.Value.ReplayPageSize;
        var last = after;
        var database = redis.GetDatabase();
        if (await IsAheadOfStreamAsync(database, after))
        {
            return false;
        }

        if (!await StreamHoldsEventsAfterAsync(database, after))
        {
            try
            {
                last = await ReplayFromGalleryAsync(after, audience, pageSize, write, cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Unreachable, not configured, or an answer it could not give: the client reloads instead.
                LogGalleryFailed(logger, after, exception);
                return false;
            }

            if (last < 0)
            {
                return false;
            }
        }

        try
        {
            // Whatever is newer than what Gallery.Api returned (or everything, when the stream held it).
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = await database.StreamRangeAsync(Channels.EventStream, "(" + StreamEvent.StreamId(last), "+", pageSize);
                var page = Visible(entries.Select(StreamEvent.FromStreamEntry).OfType<StreamEvent>(), audience);
                if (entries.Length > 0 && StreamEvent.TryParseSequence(entries[^1].Id, out var lastSequence))
                {
                    last = lastSequence;
                }

                if (page.Count > 0)
                {
                    await write(page, cancellationToken);
                }

                if (entries.Length < pageSize)
                {
                    return true;
                }
            }
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            // Redis went away mid-replay: the live tail resumes when it is back, but what lies between is unknown.
            LogStreamFailed(logger, after, exception);
            return false;
        }
    }

    /// <summary>
    /// True when the client holds an id above the stream's newest entry: the stream was made anew since (its ids started again
    /// lower), so nothing after that id will ever come and the client must reload. Asked of Redis, not of this process's tail,
    /// which may be a moment behind another replica the client was connected to.
    /// </summary>
    private async Task<bool> IsAheadOfStreamAsync(IDatabase database, long after)
    {
        StreamEntry[] newest;
        try
        {
            newest = await database.StreamRangeAsync(Channels.EventStream, count: 1, messageOrder: Order.Descending);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            // Cannot tell; the replay below decides with what it can reach.
            LogStreamFailed(logger, after, exception);
            return false;
        }

        return newest is [var entry] && StreamEvent.TryParseSequence(entry.Id, out var top) && after > top;
    }

    /// <summary>True when the stream's oldest entry is not past <paramref name="after"/>+1, i.e. nothing was trimmed away.</summary>
    private async Task<bool> StreamHoldsEventsAfterAsync(IDatabase database, long after)
    {
        StreamEntry[] oldest;
        try
        {
            oldest = await database.StreamRangeAsync(Channels.EventStream, "-", "+", 1);
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            LogStreamFailed(logger, after, exception);
            return false;
        }

        // Sequences are the outbox's and some outbox rows are queue jobs, so a gap here only means "ask
        // Gallery.Api", which knows for sure.
        return oldest is [var first] && StreamEvent.TryParseSequence(first.Id, out var firstSequence) && firstSequence <= after + 1;
    }

    /// <summary>Returns the last sequence Gallery.Api returned (or <paramref name="after"/>), or -1 when it no longer holds what followed.</summary>
    private async Task<long> ReplayFromGalleryAsync(long after, EventAudience audience, int pageSize, Func<IReadOnlyList<StreamEvent>, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var last = after;
        while (true)
        {
            var envelopes = await gallery.ListAfterAsync(last, pageSize, cancellationToken);
            if (envelopes.Count == 0)
            {
                // Nothing after it in the outbox, though the tail has published newer events: they were pruned.
                return last == after && hub.LastSequence > after ? -1 : last;
            }

            var page = Visible(envelopes.Select(StreamEvent.FromEnvelope), audience);
            if (page.Count > 0)
            {
                await write(page, cancellationToken);
            }

            last = envelopes[^1].Sequence;
            if (envelopes.Count < pageSize)
            {
                LogReplayedFromGallery(logger, after, last);
                return last;
            }
        }
    }

    private static List<StreamEvent> Visible(IEnumerable<StreamEvent> events, EventAudience audience) =>
        [.. events.Where(e => e.IsVisibleTo(audience))];

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed events {After}..{Last} from Gallery.Api: the stream no longer held them")]
    private static partial void LogReplayedFromGallery(ILogger logger, long after, long last);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gallery.Api could not replay events after {After}; the client gets a reset")]
    private static partial void LogGalleryFailed(ILogger logger, long after, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed while replaying events after {After}")]
    private static partial void LogStreamFailed(ILogger logger, long after, Exception exception);
}
