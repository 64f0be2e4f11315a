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
    ILogger<OutboxRelay> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        var nextPrune = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await publisher.PublishAllAsync(stoppingToken);
                if (time.GetUtcNow() >= nextPrune)
                {
                    var pruned = await store.PruneSentAsync(time.GetUtcNow() - options.Value.Retention, stoppingToken);
                    LogPruned(logger, pruned);
                    nextPrune = time.GetUtcNow() + options.Value.PruneInterval;
                }

                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogFailed(logger, exception);
                try
                {
                    await Task.Delay(options.Value.RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay is disabled (Outbox:Enabled=false) on this replica")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pruned {Count} sent outbox rows past retention")]
    private static partial void LogPruned(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
