using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.ServiceDefaults;

namespace Scrapbook.Gallery.Api.Webhooks;

/// <summary>
/// Makes webhook messages from the outbox and delivers them: woken by the relay after it numbered new rows, and
/// every <see cref="WebhookOptions.PollInterval"/> (or sooner, when a retry comes due). Errors (the database away)
/// are logged and retried; nothing is lost, since both the fan-out cursor and the messages are in the database.
/// </summary>
internal sealed partial class WebhookDispatcher(
    WebhookStore store,
    WebhookSender sender,
    [FromKeyedServices(WebhookDispatcher.SignalKey)] OutboxSignal signal,
    ServiceTelemetry telemetry,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : RetryingLoop
{
    /// <summary>The key of the <see cref="OutboxSignal"/> the relay raises for this dispatcher.</summary>
    public const string SignalKey = "webhooks";

    private const int FanOutBatch = 200;
    private static readonly TimeSpan s_pruneInterval = TimeSpan.FromHours(1);
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    protected override TimeSpan RetryDelay => options.Value.PollInterval;

    protected override bool Enabled => options.Value.Enabled;

    protected override async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        await RunOnceAsync(stoppingToken);
        if (time.GetUtcNow() >= _nextPrune)
        {
            LogPruned(logger, await store.PruneAsync(time.GetUtcNow() - options.Value.LogRetention, stoppingToken));
            _nextPrune = time.GetUtcNow() + s_pruneInterval;
        }

        await signal.WaitAsync(await UntilNextDueAsync(stoppingToken), stoppingToken);
    }

    protected override void ReportFailure(Exception exception) => LogFailed(logger, exception);

    protected override void ReportDisabled() => LogDisabled(logger);

    /// <summary>Makes messages for every outbox row past the cursor, then delivers every message that is due.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken = default)
    {
        while (await store.FanOutAsync(FanOutBatch, cancellationToken) >= FanOutBatch)
        {
        }

        await DeliverDueAsync(cancellationToken);
    }

    /// <summary>Claims and sends due messages, batch after batch, until none is due.</summary>
    public async Task DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var settings = options.Value;

        // Longer than an attempt can take, so a live replica never loses its claim; after a crash the message waits this long.
        var lease = settings.Timeout * 2 + TimeSpan.FromSeconds(5);
        while (await store.ClaimDueAsync(settings.Concurrency * 4, lease, cancellationToken) is { Count: > 0 } due)
        {
            var webhooks = new Dictionary<Guid, WebhookRow>();
            foreach (var id in due.Select(delivery => delivery.WebhookId).Distinct())
            {
                if (await store.GetAsync(id, cancellationToken) is { } webhook)
                {
                    webhooks[id] = webhook;
                }
            }

            await Parallel.ForEachAsync(
                due.Where(delivery => webhooks.ContainsKey(delivery.WebhookId)),
                new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
                (delivery, token) => new ValueTask(AttemptAsync(webhooks[delivery.WebhookId], delivery, token)));
        }
    }

    private async Task AttemptAsync(WebhookRow webhook, DueDelivery delivery, CancellationToken cancellationToken)
    {
        // A span in the trace of the change that made the message, however much later the attempt is.
        using var activity = telemetry.ActivitySource.StartContinuing($"webhook {delivery.EventType}", ActivityKind.Producer, delivery.Traceparent);
        activity?.SetTag("scrapbook.webhook.id", webhook.Id);
        activity?.SetTag("scrapbook.webhook.message_id", delivery.MessageId);
        activity?.SetTag("scrapbook.webhook.attempt", delivery.Attempts + 1);

        var result = await sender.SendAsync(webhook, delivery, cancellationToken);
        activity?.SetTag("http.response.status_code", result.StatusCode);
        var (retryAt, disableReason) = Schedule(delivery, result, time.GetUtcNow(), options.Value);
        await store.RecordAttemptAsync(delivery, result, retryAt, disableReason, cancellationToken);

        if (result.Succeeded)
        {
            LogDelivered(logger, delivery.MessageId, delivery.EventType, webhook.Id, delivery.Attempts + 1, result.StatusCode ?? 0, result.LatencyMs);
        }
        else if (retryAt is { } next)
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
            LogRetrying(logger, delivery.MessageId, webhook.Id, delivery.Attempts + 1, result.Error, next);
        }
        else
        {
            activity?.SetStatus(ActivityStatusCode.Error, result.Error);
            LogGaveUp(logger, delivery.MessageId, webhook.Id, delivery.Attempts + 1, disableReason);
        }
    }

    /// <summary>
    /// When to try a failed message again: the initial delay doubled per attempt made, capped, and jittered to between
    /// half and all of that, so endpoints that failed together are not all retried together. Null, with the reason to
    /// disable the endpoint, when the next attempt would fall outside the retry window.
    /// </summary>
    internal static (DateTimeOffset? RetryAt, string? DisableReason) Schedule(DueDelivery delivery, AttemptResult result, DateTimeOffset now, WebhookOptions options)
    {
        if (result.Succeeded)
        {
            return (null, null);
        }

        var exponent = Math.Min(delivery.Attempts, 30);
        var ceiling = Math.Min(options.MaxRetryDelay.TotalMilliseconds, options.InitialRetryDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var next = now + TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5)));
        if (next - delivery.CreatedAt <= options.RetryWindow)
        {
            return (next, null);
        }

        return (null, $"Deliveries failed for {Describe(options.RetryWindow)}; the last attempt ({delivery.EventType}, {delivery.MessageId}) ended with: {result.Error}");
    }

    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken cancellationToken)
    {
        var poll = options.Value.PollInterval;
        if (await store.NextDueAsync(cancellationToken) is not { } due)
        {
            return poll;
        }

        var wait = due - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : wait < poll ? wait : poll;
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} minutes" : $"{span.TotalSeconds:0.#} seconds";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery is disabled (Webhooks:Enabled=false) on this replica")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook message {MessageId} ({Type}) delivered to {WebhookId} on attempt {Attempt}: {Status} in {LatencyMs:0} ms")]
    private static partial void LogDelivered(ILogger logger, string messageId, string type, Guid webhookId, int attempt, int status, double latencyMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook message {MessageId} to {WebhookId}, attempt {Attempt} failed ({Error}); next attempt at {RetryAt:O}")]
    private static partial void LogRetrying(ILogger logger, string messageId, Guid webhookId, int attempt, string? error, DateTimeOffset retryAt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook message {MessageId} to {WebhookId} failed after {Attempt} attempts; the endpoint is disabled: {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string messageId, Guid webhookId, int attempt, string? reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} finished webhook messages past retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook dispatcher failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
