using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Gallery;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.Apis;

/// <summary>
/// Direct-to-storage uploads: <c>POST /api/uploads/direct</c> grants a write-only URL for one blob in the staging
/// container, the client writes the bytes there, and <c>POST /api/uploads/{id}/complete</c> puts what actually arrived
/// through the same intake as any upload. <c>DELETE /api/uploads/{id}</c> gives up on one.
/// </summary>
/// <remarks>
/// The storage account thereby accepts writes from the internet, which a SAS cannot bound by size. What bounds them: the
/// URL names one blob and allows only writing it (create and write: Azure requires write for block uploads), it expires within <see cref="DirectUploadOptions.UploadWindow"/>
/// (at most 15 minutes), an owner has at most <see cref="DirectUploadOptions.MaxOpenPerOwner"/> open at once, the size is
/// read from storage before a byte is, and the sweeper removes whatever is not completed in time.
/// </remarks>
public static partial class DirectUploadsApi
{
    private const int RequestMaxBytes = 16 * 1024;
    private const int MaxFileNameLength = 255;

    public static IEndpointRouteBuilder MapDirectUploadsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/uploads").WithTags("Uploads").RequireAuthorization(ScrapbookPolicies.Owner);
        api.MapPost("/direct", OpenAsync)
            .WithName("StartDirectUpload")
            .WithSummary("Start an upload straight to storage")
            .WithDescription(
                "For large files. Answers an upload URL, valid for a few minutes, that allows creating one blob and nothing else: " +
                "PUT the bytes there as a block blob (`x-ms-blob-type: BlockBlob`, or Put Block and Put Block List), then call " +
                "`completeUrl`. The declared size must match what arrives; the format is decided by the content. 404 when this " +
                "server has direct uploads off: send the bytes to `POST /api/uploads` instead.")
            .Accepts<DirectUploadRequest>("application/json")
            .ProducesProblems(
                ProblemTypes.Malformed, ProblemTypes.NotFound, ProblemTypes.UploadsClosed, ProblemTypes.TooLarge, ProblemTypes.UnsupportedFormat,
                ProblemTypes.TooManyOpenUploads, ProblemTypes.RateLimited, ProblemTypes.DependencyDown);
        api.MapPost("/{id}/complete", CompleteAsync)
            .WithName("CompleteDirectUpload")
            .WithSummary("Finish an upload straight to storage")
            .WithDescription(
                "Checks what arrived at the upload URL exactly as `POST /api/uploads` checks a body, and answers as it would: 202 " +
                "with the new photo, 200 with the photo this owner already has with these bytes, or the refusal. Either way the " +
                "upload is over, except for 409 (nothing has arrived yet, or it changed meanwhile) and 503: then complete again.")
            .ProducesProblems(
                ProblemTypes.Malformed, ProblemTypes.NotFound, ProblemTypes.Conflict, ProblemTypes.UploadIncomplete, ProblemTypes.UploadsClosed,
                ProblemTypes.QuotaExceeded, ProblemTypes.TooLarge, ProblemTypes.UnsupportedFormat, ProblemTypes.UndecodableImage,
                ProblemTypes.TooManyPixels, ProblemTypes.TooManyFrames, ProblemTypes.RateLimited, ProblemTypes.DependencyDown);
        api.MapDelete("/{id}", CancelAsync)
            .WithName("CancelDirectUpload")
            .WithSummary("Give up an upload straight to storage")
            .WithDescription("Discards whatever arrived and frees the slot for another direct upload.")
            .ProducesProblems(ProblemTypes.NotFound, ProblemTypes.RateLimited);
        return app;
    }

    internal static async Task<Results<Ok<DirectUploadGrant>, ProblemHttpResult>> OpenAsync(
        HttpContext context,
        StagingArea staging,
        GalleryClient gallery,
        TimeProvider time,
        IOptions<DirectUploadOptions> directOptions,
        IOptions<UploadOptions> uploadOptions,
        IOptions<ImagingOptions> imagingOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var maxBytes = imagingOptions.Value.MaxBytes;
        if (!directOptions.Value.Enabled)
        {
            return TypedResults.Problem(Problems.Create(
                StatusCodes.Status404NotFound,
                ProblemTypes.NotFound,
                "Direct uploads are off.",
                "This server takes uploads only through POST /api/uploads."));
        }

        var (problem, request) = await UploadsApi.ReadJsonAsync(
            context, UploadJsonContext.Default.DirectUploadRequest, RequestMaxBytes, "{ \"size\": 12345678, \"contentType\": \"image/jpeg\" }", cancellationToken);
        if (problem is not null || request is null)
        {
            return TypedResults.Problem(problem ?? Problems.Malformed("The body is empty."));
        }

        if (request.Size <= 0)
        {
            return TypedResults.Problem(Problems.Malformed("'size' must be the file's size in bytes."));
        }

        if (request.Size > maxBytes)
        {
            return TypedResults.Problem(Problems.TooLarge(maxBytes, request.Size));
        }

        if (!IsImageType(request.ContentType))
        {
            return TypedResults.Problem(Problems.Create(
                StatusCodes.Status415UnsupportedMediaType,
                ProblemTypes.UnsupportedFormat,
                "Only images can be uploaded.",
                $"'contentType' must be an image/* type (or application/octet-stream), not '{request.ContentType}'."));
        }

        if (request.FileName is { Length: > MaxFileNameLength })
        {
            return TypedResults.Problem(Problems.Malformed($"'fileName' may be at most {MaxFileNameLength} characters."));
        }

        if (UploadsApi.ReadText(request.Caption, options.MaxCaptionLength) is not (true, var caption)
            || UploadsApi.ReadText(request.Author, options.MaxAuthorLength) is not (true, var author))
        {
            return TypedResults.Problem(UploadsApi.TextTooLong(options));
        }

        var ownerId = context.User.GetOwnerId()!;
        if (await UploadsApi.CheckCanUploadAsync(context, gallery, options, loggers, ownerId, request.AlbumId, cancellationToken) is { } refused)
        {
            return refused;
        }

        if (await staging.OpenAsync(ownerId, request, caption, author, cancellationToken) is not { } opened)
        {
            var freeAt = await staging.NextSlotFreeAtAsync(ownerId, cancellationToken) ?? time.GetUtcNow();
            var wait = Math.Max(1, (long)Math.Ceiling((freeAt - time.GetUtcNow()).TotalSeconds));
            context.Response.Headers.RetryAfter = wait.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(Problems.Create(
                StatusCodes.Status429TooManyRequests,
                ProblemTypes.TooManyOpenUploads,
                "Too many direct uploads are open.",
                $"You may have {directOptions.Value.MaxOpenPerOwner} direct uploads open at once. Complete or cancel one, or send this file to POST /api/uploads."));
        }

        var (ticket, uploadUrl) = opened;
        LogOpened(loggers.CreateLogger(typeof(DirectUploadsApi)), ticket.Id, request.Size);
        return TypedResults.Ok(new DirectUploadGrant(ticket.Id, uploadUrl, ticket.ExpiresAt, $"/api/uploads/{ticket.Id}/complete", maxBytes));
    }

    internal static async Task<Results<Accepted<PhotoDto>, Ok<PhotoDto>, ProblemHttpResult>> CompleteAsync(
        string id,
        HttpContext context,
        StagingArea staging,
        PhotoIntake intake,
        GalleryClient gallery,
        IOptions<UploadOptions> uploadOptions,
        IOptions<ImagingOptions> imagingOptions,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var options = uploadOptions.Value;
        var maxBytes = imagingOptions.Value.MaxBytes;
        var ownerId = context.User.GetOwnerId()!;
        if (await staging.FindAsync(ownerId, id, cancellationToken) is not { } upload)
        {
            return TypedResults.Problem(Problems.NoSuchDirectUpload(id));
        }

        // The size storage reports decides before a byte is read: a SAS cannot stop a client writing 4 TB.
        if (await staging.GetReceivedAsync(upload, cancellationToken) is not { } received)
        {
            return TypedResults.Problem(Problems.Create(
                StatusCodes.Status409Conflict,
                ProblemTypes.UploadIncomplete,
                "Nothing has arrived yet.",
                "No bytes have been committed at the upload URL. Write the file there (and commit its block list), then complete."));
        }

        if (received.Length > maxBytes)
        {
            await staging.CloseAsync(upload, cancellationToken);
            return TypedResults.Problem(Problems.TooLarge(maxBytes, received.Length));
        }

        if (received.Length != upload.Ticket.Size)
        {
            await staging.CloseAsync(upload, cancellationToken);
            return TypedResults.Problem(Problems.SizeMismatch(upload.Ticket.Size, received.Length));
        }

        if (await UploadsApi.CheckCanUploadAsync(context, gallery, options, loggers, ownerId, albumId: null, cancellationToken) is { } closed)
        {
            // Closed uploads end this one too; Gallery.Api down (503) leaves it open to complete again.
            if (closed.ProblemDetails.Status == StatusCodes.Status403Forbidden)
            {
                await staging.CloseAsync(upload, cancellationToken);
            }

            return closed;
        }

        var directory = options.ResolveTempDirectory();
        Directory.CreateDirectory(directory);
        try
        {
            ReceivedFile file;
            await using (var download = await staging.OpenReceivedAsync(upload, received, cancellationToken))
            {
                if (download is null)
                {
                    // Rewritten through the upload URL since it was measured, or completed concurrently by another request.
                    return TypedResults.Problem(Problems.Create(
                        StatusCodes.Status409Conflict,
                        ProblemTypes.Conflict,
                        "The upload changed while it was being completed.",
                        "The bytes at the upload URL were replaced or removed during completion. Complete again once writing has finished."));
                }

                // Counted again while copying, although the pinned version is the one measured above.
                file = await ReceivedFile.ReceiveAsync(download.Content, directory, Math.Min(maxBytes, upload.Ticket.Size), upload.Ticket.FileName, cancellationToken);
            }

            using (file)
            {
                var outcome = await intake.AcceptAsync(file, ownerId, new UploadMetadata(upload.Ticket.Caption, upload.Ticket.Author, upload.Ticket.AlbumId), cancellationToken);
                await staging.CloseAsync(upload, cancellationToken);
                LogCompleted(loggers.CreateLogger(typeof(DirectUploadsApi)), id, file.Sha256, outcome.Status);
                return UploadsApi.ToResult(outcome);
            }
        }
        catch (UploadTooLargeException tooLarge)
        {
            await staging.CloseAsync(upload, cancellationToken);
            return TypedResults.Problem(Problems.SizeMismatch(upload.Ticket.Size, tooLarge.Actual));
        }
        catch (Exception ex) when (Problems.FromRefusal(ex) is { } refusal)
        {
            await staging.CloseAsync(upload, cancellationToken);
            return TypedResults.Problem(refusal);
        }
        catch (GalleryUnavailableException ex)
        {
            return UploadsApi.DependencyDown(context, options, loggers, ex);
        }
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> CancelAsync(
        string id, HttpContext context, StagingArea staging, CancellationToken cancellationToken)
    {
        if (await staging.FindAsync(context.User.GetOwnerId()!, id, cancellationToken) is not { } upload)
        {
            return TypedResults.Problem(Problems.NoSuchDirectUpload(id));
        }

        await staging.CloseAsync(upload, cancellationToken);
        return TypedResults.NoContent();
    }

    private static bool IsImageType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
        && (mediaType.MediaType.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
            || mediaType.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Information, Message = "Direct upload {UploadId} opened for {Size} bytes")]
    private static partial void LogOpened(ILogger logger, string uploadId, long size);

    [LoggerMessage(Level = LogLevel.Information, Message = "Direct upload {UploadId} completed ({Sha256}): {Status}")]
    private static partial void LogCompleted(ILogger logger, string uploadId, string sha256, int status);
}
