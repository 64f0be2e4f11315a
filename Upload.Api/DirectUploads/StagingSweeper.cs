using Microsoft.Extensions.Options;

namespace Scrapbook.Upload.Api.DirectUploads;

/// <summary>
/// Runs <see cref="StagingArea.SweepAsync"/> at start and every <see cref="DirectUploadOptions.SweepInterval"/> (1 minute
/// by default). Every replica sweeps; deletes are conditional, so they never undo each other's work.
/// </summary>
internal sealed partial class StagingSweeper(
    StagingArea staging,
    TimeProvider time,
    IOptions<DirectUploadOptions> options,
    ILogger<StagingSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        do
        {
            try
            {
                if (await staging.SweepAsync(stoppingToken) is > 0 and var removed)
                {
                    LogSwept(logger, removed);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Storage unreachable for a moment: the next round tries again.
                LogSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired direct-upload tickets and staged blobs")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping the staging container failed")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
