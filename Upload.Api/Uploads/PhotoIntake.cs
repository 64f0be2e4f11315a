using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Storage;
using Scrapbook.Upload.Api.Gallery;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>Caption and author as the uploader gave them (already length-checked), and the album it goes into, if any.</summary>
/// <param name="ShareLinkId">The guest link the upload came through: the photo goes into that link's album instead.</param>
internal sealed record UploadMetadata(string? Caption, string? Author, Guid? AlbumId = null, PhotoSource? Source = null, Guid? ShareLinkId = null);

/// <summary>
/// The path every received image takes, however it arrived: probe and limits, truncation, the original stored
/// once per content hash, the photo registered with Gallery.Api.
/// </summary>
internal sealed partial class PhotoIntake(IImageProbe probe, IBlobStore blobs, GalleryClient gallery, ILogger<PhotoIntake> logger)
{
    private const int MaxStoreAttempts = 3;

    /// <summary>
    /// The probe reads the header and walks the format's structure (a file cut short is Corrupt) without decoding
    /// pixels; anything subtler is the thumbnail worker's to find, which marks the photo failed with the reason.
    /// Throws <see cref="UploadsClosedException"/> and <see cref="GalleryUnavailableException"/>, which concern the
    /// whole request; everything about the file itself is in the outcome.
    /// </summary>
    public async Task<FileOutcome> AcceptAsync(ReceivedFile file, string ownerId, UploadMetadata metadata, CancellationToken cancellationToken = default)
    {
        ImageInfo info;
        try
        {
            info = await probe.ProbeAsync(file.Path, cancellationToken);
        }
        catch (ImageRejectedException rejection)
        {
            LogRejected(logger, file.Sha256, rejection.Reason, rejection.Message);
            var problem = Problems.FromRejection(rejection);
            return new FileOutcome(problem.Status ?? StatusCodes.Status422UnprocessableEntity, null, problem);
        }

        await StoreOriginalAsync(file, info.ContentType, cancellationToken);

        var request = new RegisterPhotoRequest(
            ownerId,
            file.Sha256,
            info.Format.ToString().ToLowerInvariant(),
            file.Length,
            info.UprightWidth,
            info.UprightHeight,
            metadata.Caption,
            metadata.Author,
            metadata.AlbumId,
            metadata.Source,
            metadata.ShareLinkId);
        var (outcome, photo) = await gallery.RegisterAsync(request, cancellationToken);
        LogRegistered(logger, photo.Id, file.Sha256, outcome);

        // A clean-up that checked the database just before the registration committed may still delete the original it
        // saw: touching it now voids that delete, or finds it gone and stores it again.
        await StoreOriginalAsync(file, info.ContentType, cancellationToken);
        return outcome == RegistrationOutcome.Created
            ? new FileOutcome(StatusCodes.Status202Accepted, photo, null)
            : new FileOutcome(StatusCodes.Status200OK, photo, null);
    }

    /// <summary>
    /// Makes sure the original is stored and marked as in use. Originals are shared by every photo of the same bytes and
    /// deleted once none uses them, pinned to the version the deleter saw (docs/architecture.md, "Blob clean-up"): one
    /// that already exists is touched, which gives it a new version and a new age, so a delete decided before this
    /// does nothing; one that vanished in between is stored again.
    /// </summary>
    private async Task StoreOriginalAsync(ReceivedFile file, string contentType, CancellationToken cancellationToken)
    {
        var key = BlobKeys.Original(file.Sha256);
        for (var attempt = 1; ; attempt++)
        {
            BlobPutOutcome stored;
            await using (var content = file.OpenRead())
            {
                stored = await blobs.PutIfAbsentAsync(key, content, contentType, cancellationToken);
            }

            LogStored(logger, file.Sha256, file.Length, stored);
            if (stored == BlobPutOutcome.Created || await blobs.TouchAsync(key, cancellationToken))
            {
                return;
            }

            // Each round means a clean-up deleted the original between our two calls; that cannot go on for long, since it
            // only deletes blobs older than its grace period.
            LogVanished(logger, file.Sha256, attempt);
            if (attempt == MaxStoreAttempts)
            {
                throw new IOException($"The original '{key}' kept vanishing while it was being stored.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Original {Sha256} was deleted while it was being reused (attempt {Attempt}); storing it again")]
    private static partial void LogVanished(ILogger logger, string sha256, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {Sha256} rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string sha256, ImageRejectionReason reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Original {Sha256} ({Length} bytes): {Outcome}")]
    private static partial void LogStored(ILogger logger, string sha256, long length, BlobPutOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId} for {Sha256}: {Outcome}")]
    private static partial void LogRegistered(ILogger logger, Guid photoId, string sha256, RegistrationOutcome outcome);
}
