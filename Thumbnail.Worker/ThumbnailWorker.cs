using Microsoft.Extensions.Options;
using Scrapbook.Messaging;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>
/// Consumes the <c>thumbnails</c> queue with <see cref="WorkerOptions.Concurrency"/> receive loops, one job each. A loop waits in
/// the queue's receive (Service Bus on its AMQP link, Storage Queues woken by the sender through Redis), so a job starts within
/// milliseconds of being sent; only failures to reach the queue back off.
/// </summary>
/// <remarks>
/// Shutdown: stopping ends the receiving at once, while jobs in flight go on to finish. Only when the host's
/// shutdown timeout runs out are they cancelled, and each hands its message back (visible again at once) so
/// another worker picks it up without waiting out the visibility timeout.
/// </remarks>
internal sealed partial class ThumbnailWorker(
    IJobQueue queue,
    JobHandler handler,
    IOptions<WorkerOptions> options,
    ILogger<ThumbnailWorker> logger) : BackgroundService
{
    private readonly CancellationTokenSource _abort = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        LogStarted(logger, queue.Name, settings.Concurrency, settings.VisibilityTimeout);
        return Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => ConsumeAsync(settings, stoppingToken)));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(logger);
        using (cancellationToken.Register(_abort.Cancel))
        {
            // Waits for jobs in flight even past the token: once it fires they are cancelled and release their messages promptly.
            await base.StopAsync(CancellationToken.None);
        }
    }

    public override void Dispose()
    {
        _abort.Dispose();
        base.Dispose();
    }

    private async Task ConsumeAsync(WorkerOptions settings, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var backoff = settings.ReceiveRetryDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<JobMessage> received;
            try
            {
                // Not traced: a call with no parent span is dropped by ServiceDefaults' sampler, so idle waits make no
                // traces; a job's own trace continues from its message.
                received = await queue.ReceiveAsync(1, settings.VisibilityTimeout, settings.ReceiveWait, stoppingToken);
                backoff = settings.ReceiveRetryDelay;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                LogReceiveFailed(logger, ex, queue.Name, backoff);
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                continue;
            }

            foreach (var message in received)
            {
                await handler.HandleAsync(message, _abort.Token);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Thumbnail worker consuming {Queue} with {Concurrency} job(s) at a time, visibility timeout {VisibilityTimeout}")]
    private static partial void LogStarted(ILogger logger, string queue, int concurrency, TimeSpan visibilityTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Thumbnail worker stopping: no new jobs; jobs in flight finish or are released")]
    private static partial void LogStopping(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from {Queue} failed; trying again in {Backoff}")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception, string queue, TimeSpan backoff);
}
