using System.Data.Common;
using Azure;
using Scrapbook.Contracts;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Deletes an original and its renditions once no photo uses them. Runs after the database commit; a failure is
/// logged and left behind for the content sweep (<see cref="ContentSweeper"/>), and the request still succeeds.
/// </summary>
/// <remarks>
/// Another owner may upload the same bytes while this runs: their upload finds the original, touches it and registers a
/// photo. So this reads the blobs' versions first, then asks the database again whether a photo uses the content, and
/// deletes only the versions it read (docs/architecture.md, "Blob clean-up").
/// </remarks>
internal sealed partial class ContentCleaner(IBlobStore blobs, ContentSweep sweep, ILogger<ContentCleaner> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <param name="cancellationToken">Pass the application's stopping token, not the request's: a client hanging up must not leave half the blobs behind.</param>
    public async Task DeleteContentAsync(string sha256, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            var versions = new List<(BlobItem, string)>();
            if (await blobs.GetPropertiesAsync(BlobKeys.Original(sha256), timeout.Token) is { } original)
            {
                versions.Add((new BlobItem(BlobKeys.Original(sha256), original), sha256));
            }

            await foreach (var item in blobs.ListAsync(BlobKeys.RenditionPrefix(sha256), timeout.Token))
            {
                versions.Add((item, sha256));
            }

            // The sweep's own step, without its grace period: the versions read above, deleted only if no photo uses them.
            var result = await sweep.DeleteUnusedAsync(versions, timeout.Token);
            if (versions.Count > 0 && result is { Deleted: 0, Changed: 0 })
            {
                LogReused(logger, sha256);
                return;
            }

            LogDeleted(logger, sha256, result.Deleted, result.Changed);
        }
        // The SDK throws RequestFailedException for an answer it did not want, and AggregateException once its retries ran out.
        catch (Exception exception) when (exception is RequestFailedException or AggregateException or OperationCanceledException or IOException or DbException)
        {
            LogFailed(logger, sha256, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Deleted} blob(s) of {Sha256}; {Kept} were reused meanwhile and kept")]
    private static partial void LogDeleted(ILogger logger, string sha256, int deleted, int kept);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the blobs of {Sha256}: a photo of the same bytes was registered meanwhile")]
    private static partial void LogReused(ILogger logger, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the blobs of {Sha256}; they stay behind for the content sweep")]
    private static partial void LogFailed(ILogger logger, string sha256, Exception exception);
}
