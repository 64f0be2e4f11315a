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

    public long PhotoCount { get; set; }

    /// <summary>The chosen cover, or else the newest ready photo of the album.</summary>
    public Guid? CoverId { get; set; }
}

/// <summary>An album with its cover photo, and what it looks like to its owner.</summary>
internal sealed record Album(AlbumRow Row, Photo? Cover)
{
    public Guid Id => Row.Id;

    public AlbumOrder Order => Row.SortOrder == AlbumOrders.Custom ? AlbumOrder.Custom : AlbumOrder.Newest;

    public AlbumDto ToDto() => new(
        Row.Id, Row.Title, Row.Description, Order, Cover?.ToDto(includeFailureReason: true), (int)Row.PhotoCount, Row.CreatedAt, Row.UpdatedAt);
}

/// <summary>The text the database keeps for <see cref="AlbumOrder"/>.</summary>
internal static class AlbumOrders
{
    public const string Newest = "newest";
    public const string Custom = "custom";

    public static string Of(AlbumOrder order) => order == AlbumOrder.Custom ? Custom : Newest;
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
