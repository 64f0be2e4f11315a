using Microsoft.Extensions.Options;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Drains the outbox whenever a commit signals it, and every <see cref="OutboxOptions.PollInterval"/> otherwise.
/// Errors (queue or Redis down) are logged and retried after <see cref="OutboxOptions.RetryDelay"/>; nothing is lost.
/// </summary>
internal sealed partial class OutboxRelay(
    OutboxPublisher publisher,
    OutboxSignal signal,
    PhotoStore store,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger) : RetryingLoop
{
    private DateTimeOffset _nextPrune = DateTimeOffset.MinValue;

    protected override TimeSpan RetryDelay => options.Value.RetryDelay;

    protected override bool Enabled => options.Value.Enabled;

    protected override async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        await publisher.PublishAllAsync(stoppingToken);
        if (time.GetUtcNow() >= _nextPrune)
        {
            var pruned = await store.PruneSentAsync(time.GetUtcNow() - options.Value.Retention, stoppingToken);
            LogPruned(logger, pruned);
            _nextPrune = time.GetUtcNow() + options.Value.PruneInterval;
        }

        await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
    }

    protected override void ReportFailure(Exception exception) => LogFailed(logger, exception);

    protected override void ReportDisabled() => LogDisabled(logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay is disabled (Outbox:Enabled=false) on this replica")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} sent outbox rows past retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
