using System.Buffers.Text;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>Opaque keyset cursors: the id of the last photo of a page, base64url. Also validates <c>limit</c>.</summary>
internal static class Cursor
{
    public const int DefaultLimit = 24;
    public const int MaxLimit = 100;

    public static string Encode(Guid lastId) => Base64Url.EncodeToString(lastId.ToByteArray(bigEndian: true));

    /// <summary>Parses <c>cursor</c> and <c>limit</c>; the error text when either is malformed.</summary>
    public static string? TryParse(string? cursor, int? limit, out Guid? before, out int take)
    {
        before = null;
        take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return $"limit must be between 1 and {MaxLimit}.";
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (cursor.Length != 22 || !Base64Url.IsValid(cursor) || Base64Url.DecodeFromChars(cursor, bytes) != 16)
        {
            return "cursor is not one this service issued.";
        }

        before = new Guid(bytes, bigEndian: true);
        return null;
    }

    /// <summary>An album page's cursor: its last photo and that photo's place in the owner's order.</summary>
    public static string EncodeAlbum(Guid lastId, long position)
    {
        Span<byte> bytes = stackalloc byte[24];
        lastId.TryWriteBytes(bytes[..16], bigEndian: true, out _);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes[16..], position);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>Parses an album page's <c>cursor</c> and <c>limit</c>; the error text when either is malformed.</summary>
    public static string? TryParseAlbum(string? cursor, int? limit, out (Guid PhotoId, long Position)? after, out int take)
    {
        after = null;
        take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return $"limit must be between 1 and {MaxLimit}.";
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[24];
        if (cursor.Length != 32 || !Base64Url.IsValid(cursor) || Base64Url.DecodeFromChars(cursor, bytes) != 24)
        {
            return "cursor is not one this service issued.";
        }

        after = (new Guid(bytes[..16], bigEndian: true), System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes[16..]));
        return null;
    }

    /// <summary>An album page from up to <paramref name="take"/> + 1 photos, its cursor the last one's id and position.</summary>
    public static Contracts.PhotoPage ToAlbumPage(IReadOnlyList<Albums.AlbumPhoto> rows, int take, Func<Photos.Photo, Contracts.PhotoDto> map)
    {
        var page = rows.Take(take).ToList();
        return new Contracts.PhotoPage([.. page.Select(row => map(row.Photo))], rows.Count > take ? EncodeAlbum(page[^1].Photo.Id, page[^1].Position) : null);
    }

    /// <summary>A page from up to <paramref name="take"/> + 1 rows: the extra row only says another page exists.</summary>
    public static Contracts.PhotoPage ToPage(IReadOnlyList<Photos.Photo> rows, int take, Func<Photos.Photo, Contracts.PhotoDto> map)
    {
        var items = rows.Take(take).Select(map).ToList();
        return new Contracts.PhotoPage(items, rows.Count > take ? Encode(items[^1].Id) : null);
    }
}
