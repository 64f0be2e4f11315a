using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Gallery.Api.Webhooks;
using Scrapbook.ServiceDefaults;
using Scrapbook.Messaging;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Sends unsent outbox rows in sequence order: jobs to the <c>thumbnails</c> queue, events to the
/// <c>scrapbook:events</c> stream with id <c>{sequence}-0</c>. A row is marked sent only after its send
/// succeeded, so a crash in between sends it again (at least once). The stream id makes a repeated event harmless:
/// Redis refuses an id not above its top, which means this event (or a later one) is already there.
/// After each append it publishes a wake-up on <see cref="Channels.EventWake"/>, so Notify.Api reads the stream at once.
/// </summary>
internal sealed partial class OutboxPublisher(
    PhotoStore store,
    [FromKeyedServices(WebhookDispatcher.SignalKey)] OutboxSignal webhooks,
    IJobQueue queue,
    IConnectionMultiplexer redis,
    IOptions<OutboxOptions> options,
    ServiceTelemetry telemetry,
    Failpoints failpoints,
    ILogger<OutboxPublisher> logger)
{
    /// <summary>Test-only crash points (docs/reliability.md): the row is committed and not yet sent; sent and not yet marked.</summary>
    public const string BeforeSendFailpoint = "outbox-before-send", AfterSendFailpoint = "outbox-after-send";

    /// <summary>Sends one batch; returns how many rows it handled (a full batch means: call again).</summary>
    public async Task<int> PublishBatchAsync(CancellationToken cancellationToken = default)
    {
        var rows = await store.ListUnsentAsync(options.Value.BatchSize, cancellationToken);
        if (rows.Count > 0)
        {
            // Numbered now, which is all the webhook dispatcher waits for: webhooks go on while Redis or the queue is away.
            webhooks.Notify();
        }

        foreach (var row in rows)
        {
            // A producer span in the trace of the request that wrote the row, however much later it is sent.
            using var activity = telemetry.ActivitySource.StartContinuing($"send {row.Type}", ActivityKind.Producer, row.Traceparent);
            activity?.SetTag("messaging.destination.name", row.Kind == OutboxKinds.Job ? queue.Name : Channels.EventStream);
            activity?.SetTag("scrapbook.outbox.sequence", row.Sequence);
            failpoints.Reach(BeforeSendFailpoint);
            if (row.Kind == OutboxKinds.Job)
            {
                // The row's sequence names the job: a send repeated after a crash is the same message to Service Bus's duplicate detection.
                await queue.SendAsync(new OutgoingJob(JobMessageId(row.Sequence), BinaryData.FromString(row.Payload), row.Traceparent), cancellationToken);
            }
            else
            {
                await AppendEventAsync(row, cancellationToken);
            }

            failpoints.Reach(AfterSendFailpoint);
            await store.MarkSentAsync(row.Sequence, cancellationToken);
            LogSent(logger, row.Sequence, row.Type);
        }

        return rows.Count;
    }

    /// <summary>Sends everything unsent, batch after batch.</summary>
    public async Task PublishAllAsync(CancellationToken cancellationToken = default)
    {
        while (await PublishBatchAsync(cancellationToken) >= options.Value.BatchSize)
        {
        }
    }

    private async Task AppendEventAsync(OutboxRow row, CancellationToken cancellationToken)
    {
        List<NameValueEntry> fields = [new("type", row.Type), new("data", row.Payload)];
        if (row.OwnerId is not null)
        {
            fields.Add(new("owner", row.OwnerId));
        }

        if (row.AlbumId is { } albumId)
        {
            fields.Add(new("album", albumId.ToString("D")));
        }

        if (row.Traceparent is not null)
        {
            fields.Add(new("traceparent", row.Traceparent));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var id = StreamId(row.Sequence);
        try
        {
            await redis.GetDatabase().StreamAddAsync(Channels.EventStream, [.. fields], id, options.Value.StreamMaxLength, useApproximateMaxLength: true);
        }
        catch (RedisServerException exception) when (exception.Message.Contains("equal or smaller", StringComparison.OrdinalIgnoreCase))
        {
            LogAlreadySent(logger, row.Sequence);
            return;
        }

        // A hint only: the tail also reads after reconnects and periodically, so a lost wake-up delays an event, never loses it.
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Channels.EventWake), id, CommandFlags.FireAndForget);
    }

    public static string JobMessageId(long sequence) => "outbox-" + sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string StreamId(long sequence) => EventStreamIds.For(sequence);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox {Sequence} ({Type}) sent")]
    private static partial void LogSent(ILogger logger, long sequence, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {Sequence} was already in the stream; marked sent")]
    private static partial void LogAlreadySent(ILogger logger, long sequence);
}
