using Microsoft.Extensions.Options;

namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// Drains the outbox whenever a commit signals it, and every <see cref="OutboxOptions.PollInterval"/> otherwise.
/// Errors (queue or Redis down) are logged and retried after <see cref="OutboxOptions.RetryDelay"/>; nothing is lost.
/// </summary>
internal sealed partial class OutboxRelay(
    OutboxPublisher publisher,
    OutboxSignal signal,
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

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await publisher.PublishAllAsync(stoppingToken).ConfigureAwait(false);
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken).ConfigureAwait(false);
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
                    await Task.Delay(options.Value.RetryDelay, stoppingToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
