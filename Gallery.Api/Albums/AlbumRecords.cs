using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Albums;

/// <summary>An <c>albums</c> row, with the photo count and the cover's id worked out by the query.</summary>
internal sealed class AlbumRow
{
    public Guid Id { get; set; }

    public string OwnerId { get; set; } = "";

    public string Title { get; set; } = "";

    public string? Description { get; set; }

    public string SortOrder { get; set; } = AlbumOrders.Newest;

    /// <summary>The cover the owner chose, if any.</summary>
    public Guid? CoverPhotoId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public bool GuestApproval { get; set; }

    /// <summary>Approved entries only: what the album shows.</summary>
    public long PhotoCount { get; set; }

    /// <summary>Guests' photos waiting for the owner's approval.</summary>
    public long PendingCount { get; set; }

    /// <summary>The chosen cover, or else the newest ready photo of the album.</summary>
    public Guid? CoverId { get; set; }
}

/// <summary>An album with its cover photo, and what it looks like to its owner.</summary>
internal sealed record Album(AlbumRow Row, Photo? Cover)
{
    public Guid Id => Row.Id;

    public AlbumOrder Order => Row.SortOrder == AlbumOrders.Custom ? AlbumOrder.Custom : AlbumOrder.Newest;

    public AlbumDto ToDto() => new(
        Row.Id, Row.Title, Row.Description, Order, Cover?.ToDto(includeFailureReason: true), (int)Row.PhotoCount, Row.CreatedAt, Row.UpdatedAt, Row.GuestApproval, (int)Row.PendingCount);
}

/// <summary>The text the database keeps for <see cref="AlbumOrder"/>.</summary>
internal static class AlbumOrders
{
    public const string Newest = "newest";
    public const string Custom = "custom";

    public static string Of(AlbumOrder order) => order == AlbumOrder.Custom ? Custom : Newest;
}

/// <summary>The text the database keeps for an album entry's state.</summary>
internal static class EntryStates
{
    /// <summary>Shown wherever the album is.</summary>
    public const string Approved = "approved";

    /// <summary>A guest's photo waiting for the album owner's approval: only the owner (and the guest, as their own photo) sees it.</summary>
    public const string Pending = "pending";
}

/// <summary>Where a photo being added goes: an album, whose owner it is, and the state its entry starts in.</summary>
internal sealed record AlbumEntry(Guid AlbumId, string AlbumOwnerId, string State)
{
    /// <summary>The album's owner adding one of their own photos: shown at once.</summary>
    public static AlbumEntry Owners(string ownerId, Guid albumId) => new(albumId, ownerId, EntryStates.Approved);
}

/// <summary>A photo in an album, with its place in the owner's order (the keyset of a custom-ordered page).</summary>
internal sealed record AlbumPhoto(Photo Photo, long Position);

/// <summary>What an album change came to.</summary>
internal enum AlbumChange
{
    Done,

    /// <summary>Nothing changed: the photo was already in the album.</summary>
    Unchanged,

    /// <summary>The caller has no such album (it does not exist or is someone else's: the same answer).</summary>
    AlbumNotFound,

    PhotoNotFound,

    /// <summary>The photo exists but is someone else's.</summary>
    NotYourPhoto,

    /// <summary>The photo (or the one to move after) is not in the album.</summary>
    NotInAlbum,
}
