using Azure;
using Scrapbook.Contracts;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>
/// Deletes an original and its renditions once no photo uses them. Runs after the database commit; a failure is
/// logged and left behind (an orphaned blob costs storage, never correctness), and the request still succeeds.
/// </summary>
internal sealed partial class ContentCleaner(IBlobStore blobs, ILogger<ContentCleaner> logger)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    /// <param name="cancellationToken">Pass the application's stopping token, not the request's: a client hanging up must not leave half the blobs behind.</param>
    public async Task DeleteContentAsync(string sha256, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_timeout);
        try
        {
            await blobs.DeleteAsync(BlobKeys.Original(sha256), timeout.Token);
            var keys = new List<string>();
            await foreach (var item in blobs.ListAsync(BlobKeys.RenditionPrefix(sha256), timeout.Token))
            {
                keys.Add(item.Key);
            }

            foreach (var key in keys)
            {
                await blobs.DeleteAsync(key, timeout.Token);
            }

            LogDeleted(logger, sha256, keys.Count);
        }
        // The SDK throws RequestFailedException for an answer it did not want, and AggregateException once its retries ran out.
        catch (Exception exception) when (exception is RequestFailedException or AggregateException or OperationCanceledException or IOException)
        {
            LogFailed(logger, sha256, exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the original and {Renditions} renditions of {Sha256}")]
    private static partial void LogDeleted(ILogger logger, string sha256, int renditions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete the blobs of {Sha256}; they stay behind")]
    private static partial void LogFailed(ILogger logger, string sha256, Exception exception);
}
