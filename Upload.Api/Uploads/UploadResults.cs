using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Upload.Api.Gallery;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>
/// The result for one file of a multi-file upload. <c>status</c> is what a single upload of that file would have
/// answered: 202 (new photo, see <c>location</c>), 200 (this owner already had these bytes), or 413/415/422 with
/// <c>problem</c> set.
/// </summary>
public sealed record UploadItemResult(
    string? FileName,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Location,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PhotoDto? Photo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ProblemDetails? Problem);

/// <summary>What <c>POST /api/session</c> answers. The same token is set as the <c>sb_owner</c> cookie.</summary>
public sealed record SessionResponse(string Token);

/// <summary>The body of <c>POST /api/uploads/url</c>.</summary>
/// <param name="Source">The page the image was found on (the browser extension sends it), shown under the photo.</param>
public sealed record UrlUploadRequest(string? Url, string? Caption = null, string? Author = null, Guid? AlbumId = null, PhotoSource? Source = null);

/// <summary>Where one file ended up.</summary>
internal sealed record FileOutcome(int Status, PhotoDto? Photo, ProblemDetails? Problem)
{
    public static FileOutcome Rejected(int status, string type, string title, string detail) =>
        new(status, null, Problems.Create(status, type, title, detail));
}

/// <summary>The ProblemDetails of this API, one place for their statuses, types and titles.</summary>
internal static class Problems
{
    public static ProblemDetails Create(int status, string type, string title, string detail) =>
        new() { Status = status, Type = type, Title = title, Detail = detail };

    public static ProblemDetails TooLarge(long limit, long actual) => Create(
        StatusCodes.Status413PayloadTooLarge,
        ProblemTypes.TooLarge,
        "The image is too large.",
        $"Images may be at most {FormatBytes(limit)} ({limit} bytes); this one is at least {actual} bytes.");

    public static ProblemDetails FromRejection(ImageRejectedException rejection) => rejection.Reason switch
    {
        ImageRejectionReason.TooLarge => TooLarge(rejection.Limit ?? 0, rejection.Actual ?? 0),
        ImageRejectionReason.UnsupportedFormat when rejection.UnsupportedFeature is not null => Create(
            StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedFormat, "This variant of the image format is not supported.", rejection.Message),
        ImageRejectionReason.UnsupportedFormat => Create(
            StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedFormat, "Not an accepted image format.", rejection.Message),
        ImageRejectionReason.TooManyPixels => Create(
            StatusCodes.Status422UnprocessableEntity, ProblemTypes.TooManyPixels, "The image has too many pixels.", rejection.Message),
        ImageRejectionReason.TooManyFrames => Create(
            StatusCodes.Status422UnprocessableEntity, ProblemTypes.TooManyFrames, "The image has too many frames.", rejection.Message),
        _ => Undecodable(rejection.Message),
    };

    public static ProblemDetails Undecodable(string detail) => Create(
        StatusCodes.Status422UnprocessableEntity, ProblemTypes.UndecodableImage, "The image cannot be decoded.", detail);

    public static ProblemDetails QuotaExceeded(string detail) => Create(
        StatusCodes.Status403Forbidden, ProblemTypes.QuotaExceeded, "Storage quota reached.", detail);

    public static ProblemDetails UploadsClosed() => Create(
        StatusCodes.Status403Forbidden, ProblemTypes.UploadsClosed, "Uploads are closed.", "The organisers have closed uploads for now. Try again later.");

    public static ProblemDetails DependencyDown(string what) => Create(
        StatusCodes.Status503ServiceUnavailable, ProblemTypes.DependencyDown, "The service is temporarily unavailable.", what + " Try again shortly.");

    /// <summary>
    /// What receiving and registering can refuse for the whole request (past the byte limit, uploads closed, quota, no
    /// such album), as its problem; null for any other exception.
    /// </summary>
    public static ProblemDetails? FromRefusal(Exception exception) => exception switch
    {
        UploadTooLargeException tooLarge => TooLarge(tooLarge.Limit, tooLarge.Actual),
        UploadsClosedException => UploadsClosed(),
        QuotaExceededException quota => QuotaExceeded(quota.Message),
        AlbumNotFoundException missing => AlbumNotFound(missing.AlbumId),
        ShareLinkNotWorkingException => Create(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.", ShareLinkProblems.NotWorkingDetail),
        _ => null,
    };

    public static ProblemDetails SizeMismatch(long declared, long actual) => Malformed(
        $"{declared} bytes were declared for this upload but {actual} arrived; the upload is discarded. Start a new one.");

    public static ProblemDetails AlbumNotFound(Guid albumId) => Create(
        StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No such album.", $"You have no album {albumId} to upload into.");

    public static ProblemDetails NoSuchDirectUpload(string id) => Create(
        StatusCodes.Status404NotFound,
        ProblemTypes.NotFound,
        "No such direct upload.",
        $"You have no open direct upload '{id}': it was completed, cancelled or has expired.");

    public static ProblemDetails Malformed(string detail) => Create(
        StatusCodes.Status400BadRequest, ProblemTypes.Malformed, "The request is malformed.", detail);

    public static ProblemDetails UrlNotAllowed(string detail) => Create(
        StatusCodes.Status400BadRequest, ProblemTypes.UrlNotAllowed, "This URL is not fetched.", detail);

    public static ProblemDetails UrlFetchFailed(string detail) => Create(
        StatusCodes.Status502BadGateway, ProblemTypes.UrlFetchFailed, "The image could not be fetched.", detail);

    private static string FormatBytes(long bytes) =>
        bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes / 1024.0:0.#} KB";
}
