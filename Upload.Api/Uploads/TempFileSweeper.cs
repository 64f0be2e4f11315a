using Microsoft.Extensions.Options;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>
/// Every request deletes its own temp files, but a process killed mid-upload cannot. At start, files this service
/// wrote that are older than <see cref="UploadOptions.OrphanAge"/> are deleted; the age keeps the sweep away from
/// uploads another replica sharing the folder has in flight.
/// </summary>
internal sealed partial class TempFileSweeper(IOptions<UploadOptions> options, TimeProvider time, ILogger<TempFileSweeper> logger) : IHostedService
{
    public const string FilePattern = ReceivedFile.FilePrefix + "*" + ReceivedFile.FileSuffix;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var directory = options.Value.ResolveTempDirectory();
        Directory.CreateDirectory(directory);
        var cutoff = time.GetUtcNow().UtcDateTime - options.Value.OrphanAge;
        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(directory, FilePattern))
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (File.GetLastWriteTimeUtc(path) < cutoff)
                {
                    File.Delete(path);
                    deleted++;
                }
            }
            catch (IOException)
            {
                // Gone already, or still held: either way not ours to worry about now.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        if (deleted > 0)
        {
            LogSwept(logger, deleted, directory);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} temp files left in {Directory} by an earlier process")]
    private static partial void LogSwept(ILogger logger, int count, string directory);
}
