using System.Text.Json.Serialization;

namespace Scrapbook.Contracts;

/// <summary>How an album lists its photos: newest first (by when each photo was taken in), or in the owner's own order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlbumOrder>))]
public enum AlbumOrder
{
    [JsonStringEnumMemberName("newest")] Newest,
    [JsonStringEnumMemberName("custom")] Custom,
}

/// <summary>An album as its owner sees it.</summary>
/// <param name="Cover">The cover photo: the chosen one while it is in the album, otherwise the newest ready one; null for an empty album.</param>
/// <param name="PhotoCount">Photos in the album, not counting guests' photos waiting for approval.</param>
/// <param name="GuestApproval">Photos guests add through a guest link wait for the owner's approval before anyone else sees them.</param>
/// <param name="PendingCount">Guests' photos waiting for approval.</param>
public sealed record AlbumDto(
    Guid Id,
    string Title,
    string? Description,
    AlbumOrder Order,
    PhotoDto? Cover,
    int PhotoCount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    bool GuestApproval,
    int PendingCount);

/// <summary>One page of the caller's albums, newest first; <c>NextCursor</c> is null on the last page.</summary>
public sealed record AlbumPage(IReadOnlyList<AlbumDto> Items, string? NextCursor);

/// <summary><c>POST /api/albums</c>.</summary>
public sealed record AlbumCreateRequest(string? Title, string? Description = null);

/// <summary>
/// <c>PATCH /api/albums/{id}</c>: a null (or absent) field is left as it is; an empty description clears it, and an
/// empty <c>CoverPhotoId</c> (all zeros) goes back to the newest photo as cover.
/// </summary>
public sealed record AlbumPatchRequest(string? Title = null, string? Description = null, Guid? CoverPhotoId = null, AlbumOrder? Order = null, bool? GuestApproval = null);

/// <summary>
/// <c>POST /api/albums/{id}/photos/{photoId}/move</c>: put the photo right after <c>After</c> in the album's own order,
/// or first when <c>After</c> is null. Moving a photo switches the album to its own order.
/// </summary>
public sealed record AlbumMoveRequest(Guid? After);

/// <summary>
/// The data of <c>album.deleted</c>, and of <c>album.photo-added</c>, <c>album.photo-removed</c>, <c>album.photo-approved</c>
/// and <c>album.reordered</c> (then with the photo's id). <c>Pending</c> is set when a guest's photo waits for approval.
/// </summary>
public sealed record AlbumPhotoEvent(
    Guid AlbumId,
    Guid? PhotoId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Pending = false);
