using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Redis;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Notify.Api.Events;

/// <summary>
/// The one reader of <see cref="Channels.EventStream"/> in this process: XREAD BLOCK from the last id it
/// saw, publishing each entry to the <see cref="EventHub"/>. When Redis goes away it retries with a
/// bounded backoff and resumes from that id, so connected clients lose nothing across a Redis restart.
/// Each event continues the trace its <c>traceparent</c> field carries (the photo's, from the upload on) with one
/// consumer span for the fan-out.
/// </summary>
internal sealed partial class EventTail(
    IRedisClient redis,
    EventHub hub,
    ServiceTelemetry telemetry,
    IOptions<NotifyOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<EventTail> logger) : BackgroundService
{
    private static readonly TimeSpan s_initialBackoff = TimeSpan.FromMilliseconds(100);
    private const int ReadCount = 500;

    /// <summary>
    /// The id after which to read: the stream's newest entry when the tail starts (or "0-0" for an empty stream),
    /// then the last entry it read. Always a concrete id, never <c>$</c>: after a lost connection <c>$</c> would skip
    /// whatever was added between Redis coming back and the next read.
    /// </summary>
    private string? _lastId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = lifetime.ApplicationStopping.Register(hub.CompleteAll);
        var backoff = s_initialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReadOnceAsync(stoppingToken);
                if (backoff != s_initialBackoff)
                {
                    LogResumed(logger, _lastId!);
                    backoff = s_initialBackoff;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RedisException exception)
            {
                LogReadFailed(logger, backoff, _lastId ?? "the start", exception);
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.Value.TailMaxBackoff.Ticks));
            }
        }
    }

    private async Task ReadOnceAsync(CancellationToken cancellationToken)
    {
        // Entries older than this process are not news: clients that missed them replay with Last-Event-ID.
        if (_lastId is null)
        {
            var newest = await redis.StreamReverseRangeAsync(Channels.EventStream, count: 1, cancellationToken: cancellationToken);
            _lastId = newest is [var entry, ..] ? entry.Id : "0-0";
            LogStarted(logger, _lastId);
        }

        var entries = await redis.StreamReadAsync(Channels.EventStream, _lastId, ReadCount, options.Value.TailBlockTimeout, cancellationToken);
        foreach (var entry in entries)
        {
            _lastId = entry.Id;
            if (StreamEvent.FromStreamEntry(entry) is { } streamEvent)
            {
                using var activity = telemetry.ActivitySource.StartContinuing($"fan out {streamEvent.Type}", ActivityKind.Consumer, entry["traceparent"]);
                var connections = hub.Publish(streamEvent);
                activity?.SetTag("messaging.system", "redis");
                activity?.SetTag("messaging.destination.name", Channels.EventStream);
                activity?.SetTag("messaging.message.id", entry.Id);
                activity?.SetTag("scrapbook.event.connections", connections);
            }
            else
            {
                LogMalformedEntry(logger, entry.Id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the event stream failed; retrying in {Backoff} after {LastId}")]
    private static partial void LogReadFailed(ILogger logger, TimeSpan backoff, string lastId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tail started after {LastId}")]
    private static partial void LogStarted(ILogger logger, string lastId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tail resumed after {LastId}")]
    private static partial void LogResumed(ILogger logger, string lastId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream entry {Id} is not an event (no type or a non-numeric id); skipped")]
    private static partial void LogMalformedEntry(ILogger logger, string id);
}
