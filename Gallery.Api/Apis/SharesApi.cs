using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Albums;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Gallery.Api.Shares;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// Share links: owners make them for an album or a photo (<c>/api/albums/{id}/links</c>, <c>/api/photos/{id}/links</c>),
/// list and revoke them (<c>/api/me/links</c>); anyone holding one reads what it names (<c>/api/shared/{token}</c>). An
/// unknown, expired or revoked token gets one and the same 404, and a link shows public photos only.
/// </summary>
internal static class SharesApi
{
    private static readonly TimeSpan s_longestExpiry = TimeSpan.FromDays(366);

    public static IEndpointRouteBuilder MapSharesApi(this IEndpointRouteBuilder app)
    {
        var owner = app.MapGroup("/api").WithTags("Share links").RequireAuthorization(ScrapbookPolicies.Owner);
        owner.MapPost("/albums/{id:guid}/links", CreateAlbumShareLink).WithName(nameof(CreateAlbumShareLink))
            .WithSummary("Make a share link for an album")
            .WithDescription(
                "Anyone with the link sees the album's title, description and its photos that are on the wall, until `expiresAt` or until you revoke it. " +
                "With `allowUploads`, anyone with it may also add photos to the album (`POST /api/shared/{token}/uploads`), which show only in this album, " +
                "after your approval when the album asks for it (`guestApproval`). The link's `url` is shown only in this answer.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        owner.MapPost("/photos/{id:guid}/links", CreatePhotoShareLink).WithName(nameof(CreatePhotoShareLink))
            .WithSummary("Make a share link for one of my photos")
            .WithDescription("As for an album; the link shows this photo alone (and cannot allow uploads).")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.Forbidden, ProblemTypes.NotFound);
        owner.MapGet("/me/links", ListMyShareLinks).WithName(nameof(ListMyShareLinks))
            .WithSummary("List my share links")
            .WithDescription("Newest first, revoked and expired ones included (`active` false); keyset-paginated.")
            .ProducesProblems(ProblemTypes.Malformed);
        owner.MapDelete("/me/links/{id:guid}", RevokeShareLink).WithName(nameof(RevokeShareLink))
            .WithSummary("Revoke a share link")
            .WithDescription("The link stops working at once, for good.")
            .ProducesProblems(ProblemTypes.NotFound);

        var shared = app.MapGroup("/api/shared").WithTags("Share links").RequireAuthorization(ScrapbookPolicies.Anyone);
        shared.MapGet("/{token}", GetShared).WithName(nameof(GetShared))
            .WithSummary("What a share link shows")
            .WithDescription("No token needed beyond the link's own. 404 for a link that is unknown, expired or revoked, without saying which.")
            .ProducesProblems(ProblemTypes.NotFound);
        shared.MapGet("/{token}/photos", ListSharedPhotos).WithName(nameof(ListSharedPhotos))
            .WithSummary("A shared album's photos")
            .WithDescription("Its photos that are on the wall, in the album's order, keyset-paginated.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        return app;
    }

    public static Task<Results<Created<ShareLinkDto>, ProblemHttpResult>> CreateAlbumShareLink(
        Guid id, ShareLinkCreateRequest? request, ClaimsPrincipal user, ShareLinkStore store, TimeProvider time, CancellationToken cancellationToken = default) =>
        CreateAsync(ShareTarget.Album, id, request, user, store, time, cancellationToken);

    public static Task<Results<Created<ShareLinkDto>, ProblemHttpResult>> CreatePhotoShareLink(
        Guid id, ShareLinkCreateRequest? request, ClaimsPrincipal user, ShareLinkStore store, TimeProvider time, CancellationToken cancellationToken = default) =>
        CreateAsync(ShareTarget.Photo, id, request, user, store, time, cancellationToken);

    public static async Task<Results<Ok<ShareLinkPage>, ProblemHttpResult>> ListMyShareLinks(
        ClaimsPrincipal user, ShareLinkStore store, TimeProvider time, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        var rows = await store.ListAsync(user.GetOwnerId()!, before, take + 1, cancellationToken);
        var now = time.GetUtcNow();
        var items = rows.Take(take).Select(row => row.ToDto(now)).ToList();
        return TypedResults.Ok(new ShareLinkPage(items, rows.Count > take ? Cursor.Encode(items[^1].Id) : null));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeShareLink(
        Guid id, ClaimsPrincipal user, ShareLinkStore store, CancellationToken cancellationToken = default) =>
        await store.RevokeAsync(user.GetOwnerId()!, id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"You have no share link {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);

    public static async Task<Results<Ok<SharedDto>, ProblemHttpResult>> GetShared(
        string token, HttpContext context, ShareLinkStore links, AlbumStore albums, PhotoStore photos, CancellationToken cancellationToken = default)
    {
        NotForIndexing(context);
        if (await links.ResolveAsync(token, cancellationToken) is not { } link)
        {
            return LinkNotFound();
        }

        if (link.AlbumId is { } albumId)
        {
            if (await albums.GetSharedAsync(albumId, cancellationToken) is not { } album)
            {
                return LinkNotFound();
            }

            var (count, cover) = await albums.PublicSummaryAsync(album, cancellationToken);
            return TypedResults.Ok(new SharedDto(
                ShareTarget.Album, new SharedAlbumDto(album.Row.Title, album.Row.Description, cover?.ToDto(), (int)count), null, link.ExpiresAt, link.AllowUploads));
        }

        // A photo that is not (or no longer) public is not shown, but the link stays: it may come back once approved.
        return await photos.GetAsync(link.PhotoId!.Value, cancellationToken) is { IsShowable: true } photo
            ? TypedResults.Ok(new SharedDto(ShareTarget.Photo, null, photo.ToDto(), link.ExpiresAt, AllowUploads: false))
            : LinkNotFound();
    }

    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListSharedPhotos(
        string token, HttpContext context, ShareLinkStore links, AlbumStore albums, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        NotForIndexing(context);
        if (Cursor.TryParseAlbum(cursor, limit, out var after, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        if (await links.ResolveAsync(token, cancellationToken) is not { AlbumId: { } albumId }
            || await albums.ListPublicPhotosAsync(albumId, after, take + 1, cancellationToken) is not { } photos)
        {
            return LinkNotFound();
        }

        return TypedResults.Ok(Cursor.ToAlbumPage(photos, take, photo => photo.ToDto()));
    }

    private static async Task<Results<Created<ShareLinkDto>, ProblemHttpResult>> CreateAsync(
        ShareTarget target, Guid id, ShareLinkCreateRequest? request, ClaimsPrincipal user, ShareLinkStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (request?.ExpiresAt is { } expires && (expires <= now || expires - now > s_longestExpiry))
        {
            return Problems.Malformed("'expiresAt' must be in the future and at most a year ahead; leave it out for a link that lasts until you revoke it.");
        }

        if (request?.AllowUploads == true && target != ShareTarget.Album)
        {
            return Problems.Malformed("Only an album's link can let guests add photos ('allowUploads').");
        }

        var (outcome, link, token) = await store.CreateAsync(user.GetOwnerId()!, target, id, request?.ExpiresAt, request?.AllowUploads == true, cancellationToken);
        return outcome switch
        {
            ShareOutcome.Created => TypedResults.Created($"/api/me/links/{link!.Id}", link.ToDto(now, $"/s/{token}")),
            ShareOutcome.NotYours => Problems.Forbidden("Only your own photos can be shared."),
            _ when target == ShareTarget.Album => Problems.AlbumNotFound(id),
            _ => Problems.PhotoNotFound(id),
        };
    }

    /// <summary>The one answer for every link that does not work.</summary>
    internal static ProblemHttpResult LinkNotFound() =>
        TypedResults.Problem(ShareLinkProblems.NotWorkingDetail, statusCode: StatusCodes.Status404NotFound, title: "Not found.", type: ProblemTypes.NotFound);

    /// <summary>What a link shows is for whoever was sent it, not for search engines.</summary>
    private static void NotForIndexing(HttpContext context)
    {
        context.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        context.Response.Headers.CacheControl = "no-store";
    }
}
