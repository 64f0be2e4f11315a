using System.Diagnostics;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Storage;
using Scrapbook.Thumbnail.Worker.Classification;

namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>
/// Turns one job into stored renditions, idempotently: every preset is rendered on every delivery (so the sizes and
/// the placeholder reported are the same each time, since both depend on the decoded intermediate) and each is
/// stored put-if-absent, so renditions already stored are kept as they are and reported as stored.
/// </summary>
internal sealed partial class RenditionPipeline(
    IBlobStore blobs,
    IThumbnailRenderer renderer,
    IImageProbe probe,
    ModerationStep moderation,
    IOptions<WorkerOptions> workerOptions,
    WorkerMetrics metrics,
    ILogger<RenditionPipeline> logger)
{
    private const int MaxStoreAttempts = 3;

    public async Task<RenditionsCompletedRequest> RunAsync(ThumbnailJob job, CancellationToken cancellationToken = default)
    {
        using var original = await DownloadAsync(job, cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var result = await renderer.RenderAsync(original.Path, presets: null, cancellationToken);
        metrics.RenderDuration(stopwatch.Elapsed, result.Renditions.Count);

        var renditions = new List<RenditionDto>(result.Renditions.Count);
        var kept = 0;
        foreach (var rendition in result.Renditions)
        {
            var (dto, created) = await StoreAsync(job.Sha256, rendition, cancellationToken);
            renditions.Add(dto);
            kept += created ? 0 : 1;
        }

        LogRendered(logger, job.PhotoId, renditions.Count - kept, kept);
        var classification = job.Classify ? await moderation.ClassifyAsync(job.PhotoId, result, cancellationToken) : null;
        return new RenditionsCompletedRequest(renditions, result.Source.UprightWidth, result.Source.UprightHeight, result.Placeholder, classification);
    }

    private async Task<TempFile> DownloadAsync(ThumbnailJob job, CancellationToken cancellationToken)
    {
        var download = await blobs.OpenReadAsync(job.OriginalKey, cancellationToken: cancellationToken)
            ?? throw new OriginalMissingException($"The original '{job.OriginalKey}' is not in the blob store.");
        await using (download)
        {
            var file = TempFile.Create(workerOptions.Value.TempDirectory);
            try
            {
                await using var target = new FileStream(file.Path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1, FileOptions.Asynchronous);
                await download.Content.CopyToAsync(target, cancellationToken);
                return file;
            }
            catch
            {
                file.Dispose();
                throw;
            }
        }
    }

    private async Task<(RenditionDto Rendition, bool Created)> StoreAsync(string sha256, Rendition rendition, CancellationToken cancellationToken)
    {
        var key = BlobKeys.Rendition(sha256, rendition.Name, rendition.FileExtension);
        for (var attempt = 1; ; attempt++)
        {
            BlobPutOutcome outcome;
            await using (var content = BinaryData.FromBytes(rendition.Content).ToStream())
            {
                outcome = await blobs.PutIfAbsentAsync(key, content, rendition.ContentType, cancellationToken);
            }

            if (outcome == BlobPutOutcome.Created)
            {
                return (new RenditionDto(rendition.Name, key, rendition.ContentType, rendition.Width, rendition.Height, rendition.Content.Length), true);
            }

            // Renditions are shared by every photo of the same bytes, and the clean-up deletes those no photo used when it
            // looked, pinned to the version it listed (docs/architecture.md, "Blob clean-up"). Touching the one found
            // voids such a delete; finding it gone means it was just deleted, and it is stored again.
            if (await blobs.TouchAsync(key, cancellationToken))
            {
                // An earlier delivery (or another worker, or another photo of these bytes) stored it: report what is stored, not what was just made.
                return (await DescribeStoredAsync(rendition.Name, key, cancellationToken), false);
            }

            if (attempt == MaxStoreAttempts)
            {
                throw new IOException($"Rendition '{key}' kept vanishing while it was being stored.");
            }
        }
    }

    private async Task<RenditionDto> DescribeStoredAsync(string preset, string key, CancellationToken cancellationToken)
    {
        var download = await blobs.OpenReadAsync(key, cancellationToken: cancellationToken)
            ?? throw new InvalidOperationException($"Rendition '{key}' existed a moment ago and is gone now.");
        await using (download)
        {
            var info = await probe.ProbeAsync(download.Content, cancellationToken);
            return new RenditionDto(preset, key, download.Properties.ContentType, info.UprightWidth, info.UprightHeight, download.Properties.Length);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId}: stored {Stored} rendition(s), kept {Kept} already stored")]
    private static partial void LogRendered(ILogger logger, Guid photoId, int stored, int kept);
}

/// <summary>The job names an original the blob store does not have (yet, or any more).</summary>
internal sealed class OriginalMissingException(string message) : Exception(message);

/// <summary>A uniquely named file deleted on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    private TempFile(string path) => Path = path;

    public string Path { get; }

    public static TempFile Create(string? directory) =>
        new(System.IO.Path.Combine(directory ?? System.IO.Path.GetTempPath(), $"scrapbook-original-{Guid.NewGuid():N}"));

    public void Dispose() => File.Delete(Path);
}
