using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Redis;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Sends unsent outbox rows in sequence order: jobs to the <c>thumbnails</c> queue, events to the
/// <c>scrapbook:events</c> stream with id <c>{sequence}-0</c>. A row is marked sent only after its send
/// succeeded, so a crash in between sends it again (at least once). The stream id makes a repeated event harmless:
/// Redis refuses an id not above its top, which means this event (or a later one) is already there.
/// </summary>
internal sealed partial class OutboxPublisher(
    PhotoStore store,
    IJobQueue queue,
    IRedisClient redis,
    IOptions<OutboxOptions> options,
    ServiceTelemetry telemetry,
    ILogger<OutboxPublisher> logger)
{
    /// <summary>Sends one batch; returns how many rows it handled (a full batch means: call again).</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken = default)
    {
        var rows = await store.ListUnsentAsync(options.Value.BatchSize, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            // A producer span in the trace of the request that wrote the row, however much later it is sent.
            using var activity = telemetry.ActivitySource.StartContinuing($"send {row.Type}", ActivityKind.Producer, row.Traceparent);
            activity?.SetTag("messaging.destination.name", row.Kind == OutboxKinds.Job ? queue.Name : Channels.EventStream);
            activity?.SetTag("scrapbook.outbox.sequence", row.Sequence);
            if (row.Kind == OutboxKinds.Job)
            {
                await queue.SendAsync(BinaryData.FromString(row.Payload), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await AppendEventAsync(row, cancellationToken).ConfigureAwait(false);
            }

            await store.MarkSentAsync(row.Sequence, cancellationToken).ConfigureAwait(false);
            LogSent(logger, row.Sequence, row.Type);
        }

        return rows.Count;
    }

    /// <summary>Sends everything unsent, batch after batch.</summary>
    public async Task PublishAllAsync(CancellationToken cancellationToken = default)
    {
        while (await PublishBatchAsync(cancellationToken).ConfigureAwait(false) >= options.Value.BatchSize)
        {
        }
    }

    private async Task AppendEventAsync(OutboxRow row, CancellationToken cancellationToken)
    {
        List<KeyValuePair<string, string>> fields = [new("type", row.Type), new("data", row.Payload)];
        if (row.OwnerId is not null)
        {
            fields.Add(new("owner", row.OwnerId));
        }

        if (row.Traceparent is not null)
        {
            fields.Add(new("traceparent", row.Traceparent));
        }

        try
        {
            await redis.StreamAddAsync(Channels.EventStream, fields, StreamId(row.Sequence), options.Value.StreamMaxLength, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (exception.Message.Contains("equal or smaller", StringComparison.OrdinalIgnoreCase))
        {
            LogAlreadySent(logger, row.Sequence);
        }
    }

    public static string StreamId(long sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-0";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Sequence} ({Type}) sent")]
    private static partial void LogSent(ILogger logger, long sequence, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Sequence} was already in the stream; marked sent")]
    private static partial void LogAlreadySent(ILogger logger, long sequence);
}
