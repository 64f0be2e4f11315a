using System.Buffers.Text;
using System.Text.Json.Serialization;

namespace Scrapbook.Contracts;

/// <summary>What a share link shows: one album, or one photo.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ShareTarget>))]
public enum ShareTarget
{
    [JsonStringEnumMemberName("album")] Album,
    [JsonStringEnumMemberName("photo")] Photo,
}

/// <summary>
/// <c>POST /api/albums/{id}/links</c> and <c>POST /api/photos/{id}/links</c>: an optional expiry (in the future, at most a
/// year ahead), and for an album whether whoever holds the link may add photos to it (a guest link).
/// </summary>
public sealed record ShareLinkCreateRequest(DateTimeOffset? ExpiresAt = null, bool AllowUploads = false);

/// <summary>
/// A share link as its owner sees it. <c>Url</c> (the path <c>/s/{token}</c>) is given once, when the link is made:
/// only a hash of the token is kept, so it cannot be shown again.
/// </summary>
public sealed record ShareLinkDto(
    Guid Id,
    ShareTarget Target,
    Guid TargetId,
    string? Title,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt,
    bool Active,
    bool AllowUploads,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null);

/// <summary>The caller's share links, newest first.</summary>
public sealed record ShareLinkPage(IReadOnlyList<ShareLinkDto> Items, string? NextCursor);

/// <summary>An album as a share link shows it: no owner, no ids of anything the link does not name.</summary>
public sealed record SharedAlbumDto(string Title, string? Description, PhotoDto? Cover, int PhotoCount);

/// <summary>
/// <c>GET /api/shared/{token}</c>: what the link names. Exactly one of <c>Album</c> and <c>Photo</c> is set.
/// <c>AllowUploads</c>: the holder may add photos to the album (<c>POST /api/shared/{token}/uploads</c>).
/// </summary>
public sealed record SharedDto(ShareTarget Target, SharedAlbumDto? Album, PhotoDto? Photo, DateTimeOffset? ExpiresAt, bool AllowUploads);

/// <summary>
/// Gallery.Api → the other services, <c>POST /internal/shared-links/resolve</c>: what a working link grants. The token
/// travels in the body (<see cref="ShareLinkResolveRequest"/>), never in an address that logs and traces record.
/// </summary>
public sealed record ShareLinkGrant(Guid LinkId, string OwnerId, Guid? AlbumId, Guid? PhotoId, bool AllowUploads, DateTimeOffset? ExpiresAt);

/// <summary>The body of <c>POST /internal/shared-links/resolve</c>.</summary>
public sealed record ShareLinkResolveRequest(string Token);

/// <summary>The one answer every share link that does not work gets, whatever the reason (unknown, expired, revoked).</summary>
public static class ShareLinkProblems
{
    public const string NotWorkingDetail = "This link does not work: it may have expired or been turned off by whoever shared it.";
}

/// <summary>A share link's token: 256 random bits, base64url without padding. Anything else cannot be a link.</summary>
public static class ShareLinkTokens
{
    /// <summary>Base64url of 32 bytes, without padding.</summary>
    public const int Length = 43;

    /// <summary>Whether <paramref name="token"/> has a link token's shape: worth looking up at all.</summary>
    public static bool IsWellFormed([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? token) =>
        token is { Length: Length } && Base64Url.IsValid(token);
}
