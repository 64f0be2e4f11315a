using Microsoft.Extensions.Options;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Runs a <see cref="ContentSweep"/> every <see cref="CleanupOptions.Interval"/>. Deleting a photo already deletes the
/// content it was the last to use; this collects what that misses: an original stored for an upload that was then
/// refused or never registered, a delete that failed, renditions written for a photo deleted meanwhile. Every replica
/// may sweep: deletes are pinned to the listed version, so replicas never undo each other's work.
/// </summary>
internal sealed partial class ContentSweeper(
    ContentSweep sweep,
    TimeProvider time,
    IOptions<CleanupOptions> options,
    ILogger<ContentSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        using var timer = new PeriodicTimer(settings.Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var result = await sweep.RunAsync(stoppingToken);
                if (result is { Deleted: 0, Changed: 0, RenderedAgain: 0 })
                {
                    LogNothingToDo(logger);
                }
                else
                {
                    LogSwept(logger, result.Deleted, result.Changed, result.RenderedAgain);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // Storage or the database away for a moment: what was not deleted now is found again next time.
                LogFailed(logger, exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The content sweep is off on this replica (Cleanup:Enabled=false)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Content sweep: nothing to delete")]
    private static partial void LogNothingToDo(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Content sweep: deleted {Deleted} unused blob(s), kept {Changed} reused meanwhile, sent {RenderedAgain} photo(s) to be rendered again")]
    private static partial void LogSwept(ILogger logger, int deleted, int changed, int renderedAgain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The content sweep failed; it runs again after the interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
