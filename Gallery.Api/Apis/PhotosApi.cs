using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>The public photo API (through the gateway): the wall, one photo, my photos, edit and delete.</summary>
internal static class PhotosApi
{
    private const int MaxCaptionLength = 500;
    private const int MaxAuthorLength = 100;

    public static IEndpointRouteBuilder MapPhotosApi(this IEndpointRouteBuilder app)
    {
        var photos = app.MapGroup("/api/photos").WithTags("Photos");
        photos.MapGet("/", ListPhotos).WithName(nameof(ListPhotos))
            .WithSummary("List the wall")
            .WithDescription("Ready, approved photos, newest first. Pass the previous page's `nextCursor` as `cursor` for the next page.")
            .ProducesProblems(ProblemTypes.Malformed);
        photos.MapGet("/{id:guid}", GetPhoto).WithName(nameof(GetPhoto)).RequireAuthorization(ScrapbookPolicies.Anyone)
            .WithSummary("Get a photo")
            .WithDescription("Anyone sees a ready, approved photo; its owner or an admin also sees it while it is processing, held or failed.")
            .ProducesProblems(ProblemTypes.NotFound);
        photos.MapPatch("/{id:guid}", UpdatePhoto).WithName(nameof(UpdatePhoto)).RequireAuthorization(ScrapbookPolicies.OwnerOrAdmin)
            .WithSummary("Change a photo's caption or author")
            .ProducesProblems(ProblemTypes.Malformed, ProblemTypes.NotFound);
        photos.MapDelete("/{id:guid}", DeletePhoto).WithName(nameof(DeletePhoto)).RequireAuthorization(ScrapbookPolicies.OwnerOrAdmin)
            .WithSummary("Delete a photo")
            .ProducesProblems(ProblemTypes.NotFound);

        var mine = app.MapGroup("/api/me").WithTags("Photos").RequireAuthorization(ScrapbookPolicies.Owner);
        mine.MapGet("/photos", ListMyPhotos).WithName(nameof(ListMyPhotos))
            .WithSummary("List my photos")
            .WithDescription(
                "The caller's photos in every state, newest first, keyset-paginated like the wall. With `sha256`, only the " +
                "photo with exactly those bytes, if the caller has one: a client checks before sending a file again.")
            .ProducesProblems(ProblemTypes.Malformed);
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
        Guid id, ClaimsPrincipal user, PhotoStore store, IAuthorizationService authorization, CancellationToken cancellationToken = default)
    {
        var photo = await store.GetAsync(id, cancellationToken);
        if (photo is null || !(await authorization.AuthorizeAsync(user, photo, PhotoOperations.See)).Succeeded)
        {
            return Problems.PhotoNotFound(id);
        }

        var mayChange = (await authorization.AuthorizeAsync(user, photo, PhotoOperations.Change)).Succeeded;
        return TypedResults.Ok(photo.ToDto(includeFailureReason: mayChange));
    }

    /// <summary>
    /// Every photo of the caller, in every state, with failure reasons; with <paramref name="sha256"/>, only the one with
    /// those bytes, if the caller has it (how a client skips files it uploaded before without sending them again).
    /// </summary>
    public static async Task<Results<Ok<PhotoPage>, ProblemHttpResult>> ListMyPhotos(
        ClaimsPrincipal user, PhotoStore store, string? cursor = null, int? limit = null, string? sha256 = null, CancellationToken cancellationToken = default)
    {
        if (Cursor.TryParse(cursor, limit, out var before, out var take) is { } error)
        {
            return Problems.Malformed(error);
        }

        if (sha256 is not null && !IsSha256(sha256))
        {
            return Problems.Malformed("'sha256' must be 64 hexadecimal digits: the SHA-256 of the image's bytes.");
        }

        var ownerId = user.GetOwnerId()!;
        var rows = sha256 is null
            ? await store.ListByOwnerAsync(ownerId, before, take + 1, cancellationToken)
            : await store.ListByOwnerAndContentAsync(ownerId, sha256.ToLowerInvariant(), before, take + 1, cancellationToken);
        return TypedResults.Ok(Cursor.ToPage(rows, take, photo => photo.ToDto(includeFailureReason: true)));
    }

    /// <summary>Sets caption and/or author; only the owner or an admin.</summary>
    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> UpdatePhoto(
        Guid id, PhotoPatchRequest request, ClaimsPrincipal user, PhotoStore store, IAuthorizationService authorization, CancellationToken cancellationToken = default)
    {
        if (request.Caption is { Length: > MaxCaptionLength } || request.Author is { Length: > MaxAuthorLength })
        {
            return Problems.Malformed($"caption is at most {MaxCaptionLength} characters, author at most {MaxAuthorLength}.");
        }

        if (await AuthorizeChangeAsync(id, user, store, authorization, cancellationToken) is { } refusal)
        {
            return refusal;
        }

        var updated = await store.UpdateAsync(id, request.Caption, request.Author, cancellationToken);
        return updated is null ? Problems.PhotoNotFound(id) : TypedResults.Ok(updated.ToDto(includeFailureReason: true));
    }

    /// <summary>Deletes a photo; only the owner or an admin. The last photo using its bytes takes its blobs along.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> DeletePhoto(
        Guid id, ClaimsPrincipal user, PhotoStore store, IAuthorizationService authorization, ContentCleaner cleaner, IHostApplicationLifetime lifetime, CancellationToken cancellationToken = default)
    {
        if (await AuthorizeChangeAsync(id, user, store, authorization, cancellationToken) is { } refusal)
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

    /// <summary>Null when the caller may change the photo; otherwise 404 (no such photo) or 403.</summary>
    private static async Task<ProblemHttpResult?> AuthorizeChangeAsync(
        Guid id, ClaimsPrincipal user, PhotoStore store, IAuthorizationService authorization, CancellationToken cancellationToken)
    {
        var photo = await store.GetAsync(id, cancellationToken);
        if (photo is null)
        {
            return Problems.PhotoNotFound(id);
        }

        return (await authorization.AuthorizeAsync(user, photo, PhotoOperations.Change)).Succeeded
            ? null
            : Problems.Forbidden("Only the photo's owner or an admin may change it.");
    }

    private static bool IsSha256(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigit);
}
