using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Albums;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// <c>/api/albums</c>: an owner's albums of their own photos. Someone else's album answers 404 like one that does not
/// exist; putting someone else's photo into your album answers 403.
/// </summary>
internal static class AlbumsApi
{
    private const int MaxTitleLength = 200;
    private const int MaxDescriptionLength = 2000;

    public static IEndpointRouteBuilder MapAlbumsApi(this IEndpointRouteBuilder app)
    {
        var albums = app.MapGroup("/api/albums").WithTags("Albums").RequireAuthorization(ScrapbookPolicies.Owner);
        albums.MapGet("/", ListMyAlbums).WithName(nameof(ListMyAlbums))
            .WithSummary("List my albums")
            .WithDescription("The caller's albums, newest first, keyset-paginated: pass the previous page's `nextCursor` as `cursor`.")
            .ProducesProblems(ProblemTypes.Malformed);
        albums.MapPost("/", CreateAlbum).WithName(nameof(CreateAlbum))
            .WithSummary("Create an album")
            .ProducesProblems(ProblemTypes.Malformed);
        albums.MapGet("/{id:guid}", GetAlbum).WithName(nameof(GetAlbum))
            .WithSummary("Get one of my albums")
            .ProducesProblems(ProblemTypes.NotFound);
        albums.MapPatch("/{id:guid}", UpdateAlbum).WithName(nameof(UpdateAlbum))
            .WithSummary("Rename, describe, choose a cover or an order")
            .WithDescription("A field left out stays as it is. An empty description clears it; the all-zero id as `coverPhotoId` goes back to the newest photo as cover.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        albums.MapDelete("/{id:guid}", DeleteAlbum).WithName(nameof(DeleteAlbum))
            .WithSummary("Delete an album")
            .WithDescription("Its photos stay, in your photos and in your other albums.")
            .ProducesProblems(ProblemTypes.NotFound);
        albums.MapGet("/{id:guid}/photos", ListAlbumPhotos).WithName(nameof(ListAlbumPhotos))
            .WithSummary("List an album's photos")
            .WithDescription(
                "In the album's order (newest first, or yours), in every state, keyset-paginated like the wall. With `state=pending`, " +
                "the photos guests added through a guest link that wait for your approval instead, newest first.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        albums.MapPut("/{id:guid}/photos/{photoId:guid}", AddAlbumPhoto).WithName(nameof(AddAlbumPhoto))
            .WithSummary("Put one of my photos into an album")
            .WithDescription("It goes first in the album's own order. Putting it in again changes nothing.")
            .ProducesProblems(ProblemTypes.Forbidden, ProblemTypes.NotFound);
        albums.MapDelete("/{id:guid}/photos/{photoId:guid}", RemoveAlbumPhoto).WithName(nameof(RemoveAlbumPhoto))
            .WithSummary("Take a photo out of an album")
            .WithDescription("The photo itself stays its owner's. Removing a guest's photo, approved or waiting, is how you turn it down.")
            .ProducesProblems(ProblemTypes.NotFound);
        albums.MapPost("/{id:guid}/photos/{photoId:guid}/approve", ApproveAlbumPhoto).WithName(nameof(ApproveAlbumPhoto))
            .WithSummary("Approve a guest's photo")
            .WithDescription("A photo a guest added through a guest link, waiting because the album has `guestApproval` on, is shown from now on.")
            .ProducesProblems(ProblemTypes.NotFound);
        albums.MapPost("/{id:guid}/photos/{photoId:guid}/move", MoveAlbumPhoto).WithName(nameof(MoveAlbumPhoto))
            .WithSummary("Move a photo within an album")
            .WithDescription("Puts it right after `after` (first when `after` is null) and switches the album to your own order, starting from the order you saw.")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        return app;
    }

    public static async Task<Results<Ok<AlbumPage>, ProblemHttpResult>> ListMyAlbums(
        ClaimsPrincipal user, AlbumStore store, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        var rows = await store.ListAsync(user.GetOwnerId()!, before, take + 1, cancellationToken);
        var items = rows.Take(take).Select(album => album.ToDto()).ToList();
        return TypedResults.Ok(new AlbumPage(items, rows.Count > take ? Cursor.Encode(items[^1].Id) : null));
    }

    public static async Task<Results<Created<AlbumDto>, ProblemHttpResult>> CreateAlbum(
        AlbumCreateRequest request, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default)
    {
        if (CheckText(request.Title, request.Description, titleRequired: true) is { } error)
        {
            return Problems.Malformed(error);
        }

        var album = await store.CreateAsync(user.GetOwnerId()!, request.Title!.Trim(), Normalize(request.Description), cancellationToken);
        return TypedResults.Created($"/api/albums/{album.Id}", album.ToDto());
    }

    public static async Task<Results<Ok<AlbumDto>, ProblemHttpResult>> GetAlbum(
        Guid id, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.GetAsync(user.GetOwnerId()!, id, cancellationToken) is { } album
            ? TypedResults.Ok(album.ToDto())
            : Problems.AlbumNotFound(id);

    public static async Task<Results<Ok<AlbumDto>, ProblemHttpResult>> UpdateAlbum(
        Guid id, AlbumPatchRequest patch, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default)
    {
        if (CheckText(patch.Title, patch.Description, titleRequired: false) is { } error)
        {
            return Problems.Malformed(error);
        }

        var trimmed = patch with { Title = patch.Title?.Trim(), Description = patch.Description?.Trim() };
        return await store.UpdateAsync(user.GetOwnerId()!, id, trimmed, cancellationToken) switch
        {
            (AlbumChange.Done, { } album) => TypedResults.Ok(album.ToDto()),
            (AlbumChange.NotInAlbum, _) => Problems.Malformed($"The cover must be a photo in the album; {patch.CoverPhotoId} is not."),
            _ => Problems.AlbumNotFound(id),
        };
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAlbum(
        Guid id, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.DeleteAsync(user.GetOwnerId()!, id, cancellationToken) ? TypedResults.NoContent() : Problems.AlbumNotFound(id);

    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListAlbumPhotos(
        Guid id, ClaimsPrincipal user, AlbumStore store, string? cursor = null, int? limit = null, string? state = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParseAlbum(cursor, limit, out var after, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        if (state is not (null or EntryStates.Approved or EntryStates.Pending))
        {
            return Problems.Malformed($"'state' is '{EntryStates.Approved}' (the default) or '{EntryStates.Pending}'.");
        }

        var ownerId = user.GetOwnerId()!;
        var photos = state == EntryStates.Pending
            ? await store.ListPendingPhotosAsync(ownerId, id, after, take + 1, cancellationToken)
            : await store.ListPhotosAsync(ownerId, id, after, take + 1, cancellationToken);
        if (photos is null)
        {
            return Problems.AlbumNotFound(id);
        }

        // A guest's photo in the album is shown to its owner as anyone sees it: why it failed is the guest's to know.
        return TypedResults.Ok(Cursor.ToAlbumPage(photos, take, photo => photo.ToDto(includeFailureReason: photo.OwnerId == ownerId)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ApproveAlbumPhoto(
        Guid id, Guid photoId, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.ApprovePhotoAsync(user.GetOwnerId()!, id, photoId, cancellationToken) switch
        {
            AlbumChange.Done or AlbumChange.Unchanged => TypedResults.NoContent(),
            AlbumChange.NotInAlbum => Problems.PhotoNotFound(photoId),
            _ => Problems.AlbumNotFound(id),
        };

    public static async Task<Results<NoContent, ProblemHttpResult>> AddAlbumPhoto(
        Guid id, Guid photoId, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.AddPhotoAsync(user.GetOwnerId()!, id, photoId, cancellationToken) switch
        {
            AlbumChange.Done or AlbumChange.Unchanged => TypedResults.NoContent(),
            AlbumChange.NotYourPhoto => Problems.Forbidden("Only your own photos can go into your albums."),
            AlbumChange.PhotoNotFound => Problems.PhotoNotFound(photoId),
            _ => Problems.AlbumNotFound(id),
        };

    public static async Task<Results<NoContent, ProblemHttpResult>> RemoveAlbumPhoto(
        Guid id, Guid photoId, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.RemovePhotoAsync(user.GetOwnerId()!, id, photoId, cancellationToken) switch
        {
            AlbumChange.Done => TypedResults.NoContent(),
            AlbumChange.NotInAlbum => Problems.PhotoNotFound(photoId),
            _ => Problems.AlbumNotFound(id),
        };

    public static async Task<Results<NoContent, ProblemHttpResult>> MoveAlbumPhoto(
        Guid id, Guid photoId, AlbumMoveRequest request, ClaimsPrincipal user, AlbumStore store, CancellationToken cancellationToken = default) =>
        await store.MovePhotoAsync(user.GetOwnerId()!, id, photoId, request.After, cancellationToken) switch
        {
            AlbumChange.Done => TypedResults.NoContent(),
            AlbumChange.PhotoNotFound => Problems.PhotoNotFound(photoId),
            AlbumChange.NotInAlbum => Problems.Malformed($"The photo to move {photoId} after must be another photo of the album; {request.After} is not."),
            _ => Problems.AlbumNotFound(id),
        };

    private static string? CheckText(string? title, string? description, bool titleRequired) =>
        (titleRequired && string.IsNullOrWhiteSpace(title)) || (title is not null && string.IsNullOrWhiteSpace(title))
            ? "An album needs a title."
            : title?.Trim().Length > MaxTitleLength
                ? $"A title may be at most {MaxTitleLength} characters."
                : description?.Trim().Length > MaxDescriptionLength
                    ? $"A description may be at most {MaxDescriptionLength} characters."
                    : null;

    private static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
