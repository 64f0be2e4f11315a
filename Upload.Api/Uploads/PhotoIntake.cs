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

        await using (var content = file.OpenRead())
        {
            var stored = await blobs.PutIfAbsentAsync(BlobKeys.Original(file.Sha256), content, info.ContentType, cancellationToken);
            LogStored(logger, file.Sha256, file.Length, stored);
        }

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
        return outcome == RegistrationOutcome.Created
            ? new FileOutcome(StatusCodes.Status202Accepted, photo, null)
            : new FileOutcome(StatusCodes.Status200OK, photo, null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {Sha256} rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string sha256, ImageRejectionReason reason, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Original {Sha256} ({Length} bytes): {Outcome}")]
    private static partial void LogStored(ILogger logger, string sha256, long length, BlobPutOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId} for {Sha256}: {Outcome}")]
    private static partial void LogRegistered(ILogger logger, Guid photoId, string sha256, RegistrationOutcome outcome);
}
