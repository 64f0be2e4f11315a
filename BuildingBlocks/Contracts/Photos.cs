using System.Text.Json.Serialization;

namespace Scrapbook.Contracts;

/// <summary>Where a photo is in its life. Serialized as the lowercase names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PhotoStatus>))]
public enum PhotoStatus
{
    [JsonStringEnumMemberName("processing")] Processing,
    [JsonStringEnumMemberName("ready")] Ready,
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Moderation state; with moderation <c>off</c> new photos are <c>approved</c> at once.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModerationState>))]
public enum ModerationState
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("approved")] Approved,
    [JsonStringEnumMemberName("rejected")] Rejected,
}

/// <summary>Rendition URLs, relative to the gateway (<c>/media/renditions/{sha256}/{preset}.{ext}</c>).</summary>
public sealed record PhotoUrls(string? Thumb, string? Small, string? Large);

/// <summary>
/// Where a photo saved from the web was found: the page's address and title (the browser extension sends them). Shown
/// under the photo, kept apart from its caption.
/// </summary>
public sealed record PhotoSource(string Url, string? Title = null)
{
    public const int MaxUrlLength = 2048;
    public const int MaxTitleLength = 300;

    /// <summary>Why this source cannot be kept, or null: an absolute http(s) address of bounded length, a bounded title.</summary>
    public string? Problem() =>
        Url is not { Length: > 0 and <= MaxUrlLength } || !Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")
            ? $"A source must be an absolute http or https address of at most {MaxUrlLength} characters."
            : Title is { Length: > MaxTitleLength }
                ? $"A source title may be at most {MaxTitleLength} characters."
                : null;
}

/// <summary>A photo as clients see it (public list, one photo, SSE event payloads). <c>Classification</c> only in the admin queue.</summary>
public sealed record PhotoDto(
    Guid Id,
    PhotoStatus Status,
    ModerationState Moderation,
    PhotoUrls Urls,
    int Width,
    int Height,
    string? Placeholder,
    string? Caption,
    string? Author,
    DateTimeOffset CreatedAt,
    string? FailureReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PhotoSource? Source = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PhotoClassification? Classification = null);

/// <summary>One page of a keyset-paginated list, newest first; <c>NextCursor</c> is null on the last page.</summary>
public sealed record PhotoPage(IReadOnlyList<PhotoDto> Items, string? NextCursor);

/// <summary>Upload.Api → Gallery.Api <c>POST /internal/photos</c>: an original is stored, register the photo.</summary>
/// <remarks>
/// Gallery.Api answers 201 with the new photo, or 200 with the existing one when this owner already has these bytes.
/// With <c>AlbumId</c>, the photo (new or existing) also goes into that album of the owner's, in the same transaction;
/// 404 when the owner has no such album, and then nothing is registered. With <c>ShareLinkId</c> instead, a guest adds
/// the photo to the album of that guest link (checked again in the same transaction: a link revoked meanwhile is 404);
/// a photo new to the guest then stays off the wall and shows only in that album.
/// </remarks>
public sealed record RegisterPhotoRequest(
    string OwnerId,
    string Sha256,
    string Format,
    long Length,
    int Width,
    int Height,
    string? Caption,
    string? Author,
    Guid? AlbumId = null,
    PhotoSource? Source = null,
    Guid? ShareLinkId = null);

/// <summary>One rendition the worker stored at <c>renditions/{sha256}/{preset}.{ext}</c>.</summary>
public sealed record RenditionDto(string Preset, string Key, string ContentType, int Width, int Height, long Length);

/// <summary>Thumbnail.Worker → Gallery.Api <c>POST /internal/photos/{id}/renditions</c>. Idempotent.</summary>
/// <param name="Width">Upright width of the original (after EXIF rotation).</param>
/// <param name="Height">Upright height of the original (after EXIF rotation).</param>
/// <param name="Placeholder">ThumbHash, base64.</param>
/// <param name="Classification">The classifier's verdict, when the job asked for one (<see cref="ThumbnailJob.Classify"/>).</param>
public sealed record RenditionsCompletedRequest(IReadOnlyList<RenditionDto> Renditions, int Width, int Height, string Placeholder, PhotoClassification? Classification = null);

/// <summary>What the automatic moderation step decided about a photo. Serialized as the lowercase names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ClassifierVerdict>))]
public enum ClassifierVerdict
{
    /// <summary>Publish it.</summary>
    [JsonStringEnumMemberName("allow")] Allow,

    /// <summary>Keep it off the wall until a moderator approves it.</summary>
    [JsonStringEnumMemberName("hold")] Hold,

    /// <summary>Never publish it (a moderator may still approve it).</summary>
    [JsonStringEnumMemberName("reject")] Reject,
}

/// <summary>One label a classifier gave a photo, with its score (0 to 1).</summary>
public sealed record ClassifierLabel(string Label, double Score);

/// <summary>
/// A classifier's verdict on a photo, kept with the photo and shown in the admin queue.
/// </summary>
/// <param name="Classifier">Which classifier decided (for example <c>nsfwjs-mobilenetv2</c>), or <c>unavailable</c>.</param>
/// <param name="Note">Why, when the verdict did not come from the labels (the classifier failed or timed out).</param>
/// <param name="ElapsedMs">How long the classifier took.</param>
public sealed record PhotoClassification(ClassifierVerdict Verdict, IReadOnlyList<ClassifierLabel> Labels, string Classifier, string? Note = null, double? ElapsedMs = null);

/// <summary>Thumbnail.Worker → Gallery.Api <c>POST /internal/photos/{id}/failed</c>. Idempotent.</summary>
public sealed record PhotoFailedRequest(string Reason);

/// <summary><c>PATCH /api/photos/{id}</c>: a null (or absent) field is left as it is; an empty string clears it.</summary>
public sealed record PhotoPatchRequest(string? Caption, string? Author);

/// <summary>The data of a <c>photo.deleted</c> event: only the id.</summary>
public sealed record PhotoDeletedEvent(Guid Id);
