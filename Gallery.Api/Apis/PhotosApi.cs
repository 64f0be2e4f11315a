using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>The public photo API (through the gateway): the wall, one photo, my photos, edit and delete.</summary>
internal static class PhotosApi
{
    private const int MaxCaptionLength = 500;
    private const int MaxAuthorLength = 100;

    public static IEndpointRouteBuilder MapPhotosApi(this IEndpointRouteBuilder app)
    {
        var photos = app.MapGroup("/api/photos").WithTags("Photos");
        photos.MapGet("/", ListPhotos).WithName(nameof(ListPhotos));
        photos.MapGet("/{id:guid}", GetPhoto).WithName(nameof(GetPhoto));
        photos.MapPatch("/{id:guid}", UpdatePhoto).WithName(nameof(UpdatePhoto));
        photos.MapDelete("/{id:guid}", DeletePhoto).WithName(nameof(DeletePhoto));

        app.MapGet("/api/me/photos", ListMyPhotos).WithTags("Photos").WithName(nameof(ListMyPhotos));
        return app;
    }

    /// <summary>The public wall: ready and approved photos, newest first, keyset-paginated.</summary>
    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListPhotos(
        PhotoStore store, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        var rows = await store.ListPublicAsync(before, take + 1, cancellationToken);
        return TypedResults.Ok(Cursor.ToPage(rows, take, photo => photo.ToDto()));
    }

    /// <summary>One photo: its owner (or an admin) sees it in any state, everyone else only once it is public.</summary>
    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> GetPhoto(
        Guid id, HttpContext context, PhotoStore store, CancellationToken cancellationToken = default)
    {
        var photo = await store.GetAsync(id, cancellationToken);
        var caller = Access.Identify(context);
        if (photo is null || !caller.CanSee(photo))
        {
            return Problems.PhotoNotFound(id);
        }

        return TypedResults.Ok(photo.ToDto(includeFailureReason: caller.CanEdit(photo)));
    }

    /// <summary>Every photo of the caller, in every state, with failure reasons.</summary>
    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListMyPhotos(
        HttpContext context, PhotoStore store, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (Access.Identify(context).OwnerId is not { } ownerId)
        {
            return Problems.Unauthorized("Send your owner token (cookie or Authorization: Bearer) to see your photos.");
        }

        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        var rows = await store.ListByOwnerAsync(ownerId, before, take + 1, cancellationToken);
        return TypedResults.Ok(Cursor.ToPage(rows, take, photo => photo.ToDto(includeFailureReason: true)));
    }

    /// <summary>Sets caption and/or author; only the owner or an admin.</summary>
    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> UpdatePhoto(
        Guid id, PhotoPatchRequest request, HttpContext context, PhotoStore store, CancellationToken cancellationToken = default)
    {
        if (request.Caption is { Length: > MaxCaptionLength } || request.Author is { Length: > MaxAuthorLength })
        {
            return Problems.Malformed($"caption is at most {MaxCaptionLength} characters, author at most {MaxAuthorLength}.");
        }

        if (await AuthorizeEditAsync(id, context, store, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var updated = await store.UpdateAsync(id, request.Caption, request.Author, cancellationToken);
        return updated is null ? Problems.PhotoNotFound(id) : TypedResults.Ok(updated.ToDto(includeFailureReason: true));
    }

    /// <summary>Deletes a photo; only the owner or an admin. The last photo using its bytes takes its blobs along.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeletePhoto(
        Guid id, HttpContext context, PhotoStore store, ContentCleaner cleaner, IHostApplicationLifetime lifetime, CancellationToken cancellationToken = default)
    {
        if (await AuthorizeEditAsync(id, context, store, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var deleted = await store.DeleteAsync(id, cancellationToken);
        if (deleted is null)
        {
            return Problems.PhotoNotFound(id);
        }

        if (deleted.LastUseOfContent)
        {
            await cleaner.DeleteContentAsync(deleted.Photo.Row.Sha256, lifetime.ApplicationStopping);
        }

        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult?> AuthorizeEditAsync(Guid id, HttpContext context, PhotoStore store, CancellationToken cancellationToken)
    {
        var caller = Access.Identify(context);
        if (caller.OwnerId is null && !caller.PresentedAdminKey)
        {
            return caller.Refuse();
        }

        var photo = await store.GetAsync(id, cancellationToken);
        if (photo is null)
        {
            return Problems.PhotoNotFound(id);
        }

        return caller.CanEdit(photo) ? null : caller.Refuse();
    }
}
