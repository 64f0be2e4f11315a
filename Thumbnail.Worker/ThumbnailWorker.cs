namespace Scrapbook.Thumbnail.Worker;

/// <summary>
/// Consumes thumbnail jobs. The queue loop arrives with the photo pipeline; until then the
/// service idles so that it can be deployed, health-checked and stopped like the others.
/// </summary>
internal sealed partial class ThumbnailWorker(ILogger<ThumbnailWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogStopping(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Thumbnail worker started")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Thumbnail worker stopping")]
    private static partial void LogStopping(ILogger logger);
}
