namespace Scrapbook.Contracts;

/// <summary>
/// The <c>thumbnails</c> queue message: render the presets of one photo. Sent by Gallery.Api's outbox relay.
/// <c>Traceparent</c>/<c>Tracestate</c> (W3C trace context) carry the upload's trace into the worker.
/// </summary>
/// <param name="Classify">
/// True when the photo waits for the automatic moderation step (moderation <c>auto</c>): the worker asks its classifier about
/// a rendition, never the original, and reports the verdict with the renditions.
/// </param>
public sealed record ThumbnailJob(Guid PhotoId, string Sha256, string OriginalKey, string? Traceparent, string? Tracestate, bool Classify = false);

/// <summary>Blob keys, one place for the storage layout (docs/architecture.md).</summary>
public static class BlobKeys
{
    public static string Original(string sha256) => $"originals/{sha256}";

    public static string RenditionPrefix(string sha256) => $"renditions/{sha256}/";

    public static string Rendition(string sha256, string preset, string extension) => $"renditions/{sha256}/{preset}.{extension}";

    /// <summary>The public URL the gateway serves a rendition key under.</summary>
    public static string MediaUrl(string renditionKey) => "/media/" + renditionKey;
}

/// <summary>Names of queues, streams and event types shared by the services.</summary>
public static class Channels
{
    public const string ThumbnailQueue = "thumbnails";
    public const string EventStream = "scrapbook:events";

    /// <summary>
    /// Pub/sub channel the relay publishes to after each append to <see cref="EventStream"/>: it wakes Notify.Api's tail, which then
    /// reads the stream from its last id. The message itself carries nothing the tail relies on.
    /// </summary>
    public const string EventWake = "scrapbook:events:wake";
}

/// <summary>The id an event has in <see cref="Channels.EventStream"/>: <c>{sequence}-0</c>, its outbox sequence.</summary>
public static class EventStreamIds
{
    public static string For(long sequence) => sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) + "-0";
}

/// <summary>Event types appended to <see cref="Channels.EventStream"/>.</summary>
public static class EventTypes
{
    public const string PhotoReady = "photo.ready";
    public const string PhotoUpdated = "photo.updated";
    public const string PhotoDeleted = "photo.deleted";
    public const string PhotoFailed = "photo.failed";
    public const string PhotoPendingApproval = "photo.pending";

    /// <summary>Owner-only: a moderator approved the photo that was held for review (it is public now if nothing else holds it).</summary>
    public const string PhotoApproved = "photo.approved";
    public const string SettingsChanged = "settings.changed";

    /// <summary>Owner-only: an album was created or changed (title, description, cover, order, or which photos it holds); data is the <see cref="AlbumDto"/>.</summary>
    public const string AlbumUpdated = "album.updated";

    /// <summary>Owner-only: an album was deleted (its photos stay); data is an <see cref="AlbumPhotoEvent"/>.</summary>
    public const string AlbumDeleted = "album.deleted";

    /// <summary>Owner-only: a photo was added to an album; data is an <see cref="AlbumPhotoEvent"/>.</summary>
    public const string AlbumPhotoAdded = "album.photo-added";

    /// <summary>Owner-only: a photo was taken out of an album; data is an <see cref="AlbumPhotoEvent"/>.</summary>
    public const string AlbumPhotoRemoved = "album.photo-removed";

    /// <summary>Owner-only: a guest's photo waiting in an album was approved by its owner; data is an <see cref="AlbumPhotoEvent"/>.</summary>
    public const string AlbumPhotoApproved = "album.photo-approved";

    /// <summary>Owner-only: photos of an album were reordered; data is an <see cref="AlbumPhotoEvent"/> naming the moved photo.</summary>
    public const string AlbumReordered = "album.reordered";
}

/// <summary>
/// One event as Gallery.Api's outbox relay writes it: to the Redis stream with id <c>{Sequence}-0</c>
/// and fields <c>type</c>, <c>data</c> (JSON), <c>owner</c> (only for owner-only events) and
/// <c>traceparent</c>; and as <c>GET /internal/events?after=</c> returns it.
/// </summary>
/// <param name="OwnerId">Set for owner-only events (my upload failed, my photo awaits approval); null for public ones.</param>
/// <param name="Data">The event payload as JSON text (a <see cref="PhotoDto"/>, a photo id, or settings).</param>
/// <param name="AlbumId">
/// Set for an album's own events (stream field <c>album</c>): what a share link of that album shows changed. Only streams
/// following that album receive them (<c>GET /api/shared/{token}/events</c>), never the wall's.
/// </param>
public sealed record EventEnvelope(long Sequence, string Type, string? OwnerId, string Data, string? Traceparent, Guid? AlbumId = null);

/// <summary>Admin settings (<c>GET/PUT /api/admin/settings</c>).</summary>
public sealed record SettingsDto(bool UploadsOpen, string Moderation);
