using Microsoft.Extensions.Options;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Photos;

/// <summary>What one <see cref="ContentSweep"/> pass did.</summary>
/// <param name="Deleted">Originals and renditions deleted.</param>
/// <param name="Changed">Blobs no photo used that were written or touched between the listing and the delete, and so kept.</param>
/// <param name="RenderedAgain">Photos whose renditions were deleted under them and that were sent to the worker again.</param>
internal sealed record ContentSweepResult(int Deleted, int Changed, int RenderedAgain);

/// <summary>
/// One pass of the content sweep: lists <c>originals/</c> and <c>renditions/</c> and deletes every blob older than the
/// grace period whose content hash no photo uses. Originals and renditions are shared by every photo of the same bytes,
/// whoever owns it, and uploads reuse an original that exists, so a delete must never land on content someone has
/// just started to use again: each blob's ETag is taken from the listing before the database is asked, and the delete
/// applies only to that version. Whoever reuses a blob touches it first (Upload.Api its original, the worker a
/// rendition), which changes the ETag and turns the delete into a no-op. The steps are in docs/architecture.md,
/// "Blob clean-up".
/// </summary>
internal sealed partial class ContentSweep(
    IBlobStore blobs,
    PhotoStore photos,
    TimeProvider time,
    IOptions<CleanupOptions> options,
    ILogger<ContentSweep> logger)
{
    private const string OriginalsPrefix = "originals/";
    private const string RenditionsPrefix = "renditions/";

    public async Task<ContentSweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - options.Value.GracePeriod;
        var originals = await SweepAsync(OriginalsPrefix, cutoff, cancellationToken);
        var renditions = await SweepAsync(RenditionsPrefix, cutoff, cancellationToken);
        return Add(originals, renditions);
    }

    private async Task<ContentSweepResult> SweepAsync(string prefix, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var total = new ContentSweepResult(0, 0, 0);
        var batch = new List<(BlobItem Blob, string Sha256)>(options.Value.BatchSize);
        await foreach (var blob in blobs.ListAsync(prefix, cancellationToken))
        {
            // Only keys this service writes: anything else in the prefix is not ours to judge.
            if (blob.Properties.LastModified >= cutoff || ContentHashOf(blob.Key, prefix) is not { } sha256)
            {
                continue;
            }

            batch.Add((blob, sha256));
            if (batch.Count == options.Value.BatchSize)
            {
                total = Add(total, await DeleteUnusedAsync(batch, cancellationToken));
                batch.Clear();
            }
        }

        return batch.Count == 0 ? total : Add(total, await DeleteUnusedAsync(batch, cancellationToken));
    }

    /// <summary>
    /// Deletes those of <paramref name="batch"/> whose content no photo uses, each only in the version listed, and sends
    /// the photos of content whose renditions went to be rendered again. Also what <see cref="ContentCleaner"/> does
    /// with the blobs of a deleted photo's content.
    /// </summary>
    internal async Task<ContentSweepResult> DeleteUnusedAsync(IReadOnlyCollection<(BlobItem Blob, string Sha256)> batch, CancellationToken cancellationToken = default)
    {
        if (batch.Count == 0)
        {
            return new ContentSweepResult(0, 0, 0);
        }

        // Asked after the listing gave the ETags: whoever starts to use one of these blobs again touches it (a new ETag,
        // so the delete below does nothing) or, finding it gone, stores it again.
        var used = await photos.FindUsedContentAsync([.. batch.Select(item => item.Sha256).Distinct(StringComparer.Ordinal)], cancellationToken);
        int deleted = 0, changed = 0;
        var emptied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (blob, sha256) in batch)
        {
            if (used.Contains(sha256))
            {
                continue;
            }

            if (await blobs.DeleteIfUnchangedAsync(blob.Key, blob.Properties.ETag, cancellationToken))
            {
                deleted++;
                if (blob.Key.StartsWith(RenditionsPrefix, StringComparison.Ordinal))
                {
                    emptied.Add(sha256);
                }

                LogDeleted(logger, blob.Key);
            }
            else
            {
                changed++;
                LogChanged(logger, blob.Key);
            }
        }

        // A worker that does not touch what it finds (one of an older version, during a rollout) may have reported these
        // renditions for a photo registered after the check above, just before they went: render that photo again.
        var renderedAgain = emptied.Count > 0 ? await photos.RenderAgainAsync([.. emptied], cancellationToken) : 0;
        if (renderedAgain > 0)
        {
            LogRenderedAgain(logger, renderedAgain);
        }

        return new ContentSweepResult(deleted, changed, renderedAgain);
    }

    /// <summary>The content hash in <c>originals/{sha256}</c> or <c>renditions/{sha256}/{file}</c>; <c>null</c> for other keys.</summary>
    internal static string? ContentHashOf(string key, string prefix)
    {
        if (!key.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var hash = key[prefix.Length..];
        if (prefix == RenditionsPrefix)
        {
            var slash = hash.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || slash == hash.Length - 1 || hash.IndexOf('/', slash + 1) >= 0)
            {
                return null;
            }

            hash = hash[..slash];
        }

        return hash.Length == 64 && !hash.AsSpan().ContainsAnyExcept("0123456789abcdef") ? hash : null;
    }

    private static ContentSweepResult Add(ContentSweepResult a, ContentSweepResult b) =>
        new(a.Deleted + b.Deleted, a.Changed + b.Changed, a.RenderedAgain + b.RenderedAgain);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Key}: no photo uses its content")]
    private static partial void LogDeleted(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kept {Key}: it was written or touched after it was listed")]
    private static partial void LogChanged(ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Count} photo(s) to the worker again: their renditions were swept while their bytes were uploaded again")]
    private static partial void LogRenderedAgain(ILogger logger, int count);
}
