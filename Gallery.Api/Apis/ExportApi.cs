using System.Globalization;
using System.IO.Compression;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Albums;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// <c>GET /api/me/export</c>: the owner's scrapbook to take away, streamed as a zip while it is written: every original
/// under <c>photos/</c>, and <c>scrapbook.json</c> with each photo's caption, author, source, dates and file, and every
/// album with its photos in order. Nothing is held whole in memory but the list of what there is.
/// </summary>
internal static partial class ExportApi
{
    private const int PageSize = 100;
    private const string Manifest = "scrapbook.json";

    public static IEndpointRouteBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/me/export", ExportMyScrapbook).WithName(nameof(ExportMyScrapbook)).WithTags("Photos")
            .RequireAuthorization(ScrapbookPolicies.Owner)
            .WithSummary("Export my scrapbook")
            .WithDescription("A zip of your originals (`photos/`) and `scrapbook.json`: captions, authors, sources, dates, and your albums with their photos in order.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");
        return app;
    }

    public static async Task ExportMyScrapbook(
        HttpContext context, ClaimsPrincipal user, PhotoStore photos, AlbumStore albums, IBlobStore blobs, TimeProvider time, ILoggerFactory loggers)
    {
        var cancellationToken = context.RequestAborted;
        var ownerId = user.GetOwnerId()!;
        var mine = await ListAllAsync((before, limit) => photos.ListByOwnerAsync(ownerId, before, limit, cancellationToken), photo => photo.Id);
        var albumList = await ListAllAsync((before, limit) => albums.ListAsync(ownerId, before, limit, cancellationToken), album => album.Id);

        var response = context.Response;
        response.ContentType = "application/zip";
        response.Headers.ContentDisposition = $"attachment; filename=\"scrapbook-{time.GetUtcNow():yyyy-MM-dd}.zip\"";
        response.Headers.CacheControl = "no-store";

        var entries = new List<ExportedPhoto>(mine.Count);
        await using var body = new AsyncOnlyWriteStream(response.Body);
        await using (var zip = await ZipArchive.CreateAsync(body, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            // Oldest first, so the files sort by date in any file manager as they do by name.
            foreach (var photo in mine.AsEnumerable().Reverse())
            {
                var file = $"photos/{photo.Row.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd_HHmmss", CultureInfo.InvariantCulture)}_{photo.Id:N}.{Extension(photo.Row.Format)}";
                var written = await WriteOriginalAsync(zip, blobs, photo, file, cancellationToken);
                if (!written)
                {
                    LogOriginalMissing(loggers.CreateLogger(typeof(ExportApi)), photo.Id, photo.Row.Sha256);
                }

                var dto = photo.ToDto(includeFailureReason: true);
                entries.Add(new ExportedPhoto(photo.Id, written ? file : null, photo.Row.Sha256, dto.Status, dto.Caption, dto.Author, dto.Source, dto.CreatedAt, dto.Width, dto.Height));
            }

            var exportedAlbums = new List<ExportedAlbum>(albumList.Count);
            foreach (var album in albumList)
            {
                var ids = new List<Guid>();
                (Guid, long)? after = null;
                while (await albums.ListPhotosAsync(ownerId, album.Id, after, PageSize, cancellationToken) is { Count: > 0 } page)
                {
                    ids.AddRange(page.Select(p => p.Photo.Id));
                    after = (page[^1].Photo.Id, page[^1].Position);
                    if (page.Count < PageSize)
                    {
                        break;
                    }
                }

                exportedAlbums.Add(new ExportedAlbum(album.Id, album.Row.Title, album.Row.Description, album.Order, album.Row.CoverPhotoId, album.Row.CreatedAt, ids));
            }

            var manifest = zip.CreateEntry(Manifest, CompressionLevel.Optimal);
            await using var stream = await manifest.OpenAsync(cancellationToken);
            await JsonSerializer.SerializeAsync(stream, new ExportManifest(time.GetUtcNow(), entries, exportedAlbums), ExportJsonContext.Default.ExportManifest, cancellationToken);
        }
    }

    /// <summary>Copies the original into the zip as stored (images are compressed already); false when it is not in storage.</summary>
    private static async Task<bool> WriteOriginalAsync(ZipArchive zip, IBlobStore blobs, Photo photo, string file, CancellationToken cancellationToken)
    {
        await using var download = await blobs.OpenReadAsync(BlobKeys.Original(photo.Row.Sha256), cancellationToken: cancellationToken);
        if (download is null)
        {
            return false;
        }

        var entry = zip.CreateEntry(file, CompressionLevel.NoCompression);
        entry.LastWriteTime = photo.Row.CreatedAt;
        await using var target = await entry.OpenAsync(cancellationToken);
        await download.Content.CopyToAsync(target, cancellationToken);
        return true;
    }

    private static async Task<List<T>> ListAllAsync<T>(Func<Guid?, int, Task<IReadOnlyList<T>>> page, Func<T, Guid> idOf)
    {
        var all = new List<T>();
        Guid? before = null;
        while (true)
        {
            var items = await page(before, PageSize);
            all.AddRange(items);
            if (items.Count < PageSize)
            {
                return all;
            }

            before = idOf(items[^1]);
        }
    }

    private static string Extension(string format) => format switch
    {
        "jpeg" => "jpg",
        "tiff" => "tif",
        _ => format,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export: the original of photo {PhotoId} ({Sha256}) is not in storage")]
    private static partial void LogOriginalMissing(ILogger logger, Guid photoId, string sha256);
}

/// <summary><c>scrapbook.json</c> in an export.</summary>
internal sealed record ExportManifest(DateTimeOffset ExportedAt, IReadOnlyList<ExportedPhoto> Photos, IReadOnlyList<ExportedAlbum> Albums);

/// <param name="File">The original's path in the zip; null when storage no longer had it.</param>
internal sealed record ExportedPhoto(
    Guid Id, string? File, string Sha256, PhotoStatus Status, string? Caption, string? Author, PhotoSource? Source, DateTimeOffset CreatedAt, int Width, int Height);

internal sealed record ExportedAlbum(Guid Id, string Title, string? Description, AlbumOrder Order, Guid? CoverPhotoId, DateTimeOffset CreatedAt, IReadOnlyList<Guid> Photos);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportManifest))]
internal sealed partial class ExportJsonContext : JsonSerializerContext;
