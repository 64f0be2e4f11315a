namespace Scrapbook.Gallery.Api.Outbox;

/// <summary>
/// A background loop whose rounds may fail: a failed round (the database, the queue or Redis away) is reported and the
/// next one starts after <see cref="RetryDelay"/>, until the host stops. What a round does and how it waits for the
/// next is the subclass's; what it must not lose is in the database, so a failed round only delays it.
/// </summary>
internal abstract class RetryingLoop : BackgroundService
{
    protected abstract TimeSpan RetryDelay { get; }

    /// <summary>Whether this replica runs the loop at all; false is reported once by <see cref="ReportDisabled"/>.</summary>
    protected abstract bool Enabled { get; }

    /// <summary>One round, and the wait before the next.</summary>
    protected abstract Task RunRoundAsync(CancellationToken stoppingToken);

    protected abstract void ReportFailure(Exception exception);

    protected abstract void ReportDisabled();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            ReportDisabled();
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunRoundAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                ReportFailure(exception);
                try
                {
                    await Task.Delay(RetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
