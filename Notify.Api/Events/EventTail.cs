using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Events;

/// <summary>
/// The one reader of <see cref="Channels.EventStream"/> in this process, publishing each entry to the <see cref="EventHub"/>.
/// </summary>
/// <remarks>
/// StackExchange.Redis never blocks its multiplexer, so the tail does not use <c>XREAD BLOCK</c>: the relay publishes to
/// <see cref="Channels.EventWake"/> after every append, and each wake-up reads the stream from the last id the tail saw.
/// The wake-up message is only a hint, so nothing depends on it arriving: the tail also reads after every reconnect
/// (pub/sub messages sent while the connection was down are gone) and, as a safety net, after
/// <see cref="NotifyOptions.TailSafetyInterval"/> of silence. Reading from a concrete id (never <c>$</c>) means no entry is
/// skipped or read twice across a Redis restart. A stream whose newest id is below the last one read was made anew
/// (a new database): connected clients get a reset and the tail reads the new stream from its start.
/// Each event continues the trace its <c>traceparent</c> field carries, with one consumer span for the fan-out.
/// </remarks>
internal sealed partial class EventTail(
    IConnectionMultiplexer redis,
    EventHub hub,
    ServiceTelemetry telemetry,
    IOptions<NotifyOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<EventTail> logger) : BackgroundService
{
    private static readonly TimeSpan s_initialBackoff = TimeSpan.FromMilliseconds(100);
    private const int ReadCount = 500;

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>The id after which to read: the stream's newest entry when the tail starts (<c>0-0</c> for an empty stream), then the last entry read.</summary>
    private RedisValue _lastId = RedisValue.Null;
    private bool _subscribed;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = lifetime.ApplicationStopping.Register(hub.CompleteAll);
        redis.ConnectionRestored += OnConnectionRestored;
        try
        {
            var backoff = s_initialBackoff;
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await SubscribeAsync();
                    await CatchUpAsync();
                    if (backoff != s_initialBackoff)
                    {
                        LogResumed(logger, _lastId.ToString());
                        backoff = s_initialBackoff;
                    }
                }
                catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
                {
                    LogReadFailed(logger, backoff, _lastId.IsNull ? "the start" : _lastId.ToString(), exception);
                    await Task.Delay(backoff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                    backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.Value.TailMaxBackoff.Ticks));
                    continue;
                }

                await WaitForWakeAsync(options.Value.TailSafetyInterval, stoppingToken);
            }
        }
        finally
        {
            redis.ConnectionRestored -= OnConnectionRestored;
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => _wake.Writer.TryWrite(true);

    private async Task SubscribeAsync()
    {
        if (_subscribed)
        {
            return;
        }

        // Resubscribed by the multiplexer itself after a reconnect; only the first subscription is ours to make.
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channels.EventWake), (_, _) => _wake.Writer.TryWrite(true));
        _subscribed = true;
    }

    private async Task WaitForWakeAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timer.CancelAfter(timeout);
        try
        {
            await _wake.Reader.WaitToReadAsync(timer.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            // The safety interval passed without a wake-up, or the host is stopping.
        }
    }

    /// <summary>Reads and publishes everything after <see cref="_lastId"/>.</summary>
    private async Task CatchUpAsync()
    {
        var database = redis.GetDatabase();
        if (_lastId.IsNull)
        {
            // Entries older than this process are not news: clients that missed them replay with Last-Event-ID.
            var newest = await database.StreamRangeAsync(Channels.EventStream, count: 1, messageOrder: Order.Descending);
            _lastId = newest is [var entry, ..] ? entry.Id : (RedisValue)"0-0";
            hub.Start(StreamEvent.TryParseSequence(_lastId, out var sequence) ? sequence : 0);
            LogStarted(logger, _lastId.ToString());
        }

        while (true)
        {
            var entries = await database.StreamReadAsync(Channels.EventStream, _lastId, ReadCount);
            foreach (var entry in entries)
            {
                _lastId = entry.Id;
                Publish(entry);
            }

            if (entries.Length == ReadCount)
            {
                continue;
            }

            if (entries.Length > 0 || !await StreamWasRecreatedAsync(database))
            {
                return;
            }
        }
    }

    /// <summary>True (and the tail rewound) when the stream's newest id is below the last one read: the stream was made anew.</summary>
    private async Task<bool> StreamWasRecreatedAsync(IDatabase database)
    {
        var newest = await database.StreamRangeAsync(Channels.EventStream, count: 1, messageOrder: Order.Descending);
        if (newest is not [var entry, ..]
            || !StreamEvent.TryParseSequence(entry.Id, out var newestSequence)
            || !StreamEvent.TryParseSequence(_lastId, out var lastSequence)
            || newestSequence >= lastSequence)
        {
            return false;
        }

        LogRecreated(logger, _lastId.ToString(), entry.Id.ToString());
        _lastId = "0-0";
        hub.Reset();
        return true;
    }

    private void Publish(StreamEntry entry)
    {
        if (StreamEvent.FromStreamEntry(entry) is not { } streamEvent)
        {
            LogMalformedEntry(logger, entry.Id.ToString());
            return;
        }

        using var activity = telemetry.ActivitySource.StartContinuing($"fan out {streamEvent.Type}", ActivityKind.Consumer, entry["traceparent"]);
        var connections = hub.Publish(streamEvent);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", Channels.EventStream);
        activity?.SetTag("messaging.message.id", entry.Id.ToString());
        activity?.SetTag("scrapbook.event.connections", connections);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the event stream failed; retrying in {Backoff} after {LastId}")]
    private static partial void LogReadFailed(ILogger logger, TimeSpan backoff, string lastId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tail started after {LastId}")]
    private static partial void LogStarted(ILogger logger, string lastId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tail resumed after {LastId}")]
    private static partial void LogResumed(ILogger logger, string lastId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event stream was made anew (its newest id {NewestId} is below {LastId}, the last one read); clients were told to reset")]
    private static partial void LogRecreated(ILogger logger, string lastId, string newestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {Id} is not an event (no type or a non-numeric id); skipped")]
    private static partial void LogMalformedEntry(ILogger logger, string id);
}
