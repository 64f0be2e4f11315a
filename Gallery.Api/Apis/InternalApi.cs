using Microsoft.AspNetCore.Http.HttpResults;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Photos;

namespace Scrapbook.Gallery.Api.Apis;

/// <summary>
/// Service-to-service endpoints (Upload.Api, Thumbnail.Worker, Notify.Api). The gateway never routes
/// <c>/internal/**</c>, so these are reachable only inside the deployment.
/// </summary>
internal static class InternalApi
{
    private const int MaxEventsLimit = 1000;

    public static IEndpointRouteBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/internal").WithTags("Internal").ExcludeFromDescription();
        api.MapPost("/photos", RegisterPhoto).WithName(nameof(RegisterPhoto));
        api.MapPost("/photos/{id:guid}/renditions", CompleteRenditions).WithName(nameof(CompleteRenditions));
        api.MapPost("/photos/{id:guid}/failed", MarkFailed).WithName(nameof(MarkFailed));
        api.MapGet("/events", ListEvents).WithName(nameof(ListEvents));
        api.MapGet("/settings", GetSettings).WithName("GetInternalSettings");
        api.MapGet("/owners/{ownerId}/albums/{albumId:guid}", FindOwnerAlbum).WithName(nameof(FindOwnerAlbum));
        api.MapPost("/shared-links/resolve", ResolveShareLink).WithName(nameof(ResolveShareLink));
        return app;
    }

    /// <summary>What a working share link grants (the share-link scheme of the other services asks); 404 for any other token.</summary>
    public static async Task<Results<Ok<ShareLinkGrant>, ProblemHttpResult>> ResolveShareLink(
        ShareLinkResolveRequest request, Shares.ShareLinkStore links, CancellationToken cancellationToken = default) =>
        await links.ResolveAsync(request.Token, cancellationToken) is { } link ? TypedResults.Ok(link.ToGrant()) : SharesApi.LinkNotFound();

    /// <summary>204 when the owner has the album, 404 otherwise: Upload.Api asks before it reads an upload into one.</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> FindOwnerAlbum(
        string ownerId, Guid albumId, Albums.AlbumStore albums, CancellationToken cancellationToken = default) =>
        await albums.GetAsync(ownerId, albumId, cancellationToken) is null ? Problems.AlbumNotFound(albumId) : TypedResults.NoContent();

    /// <summary>201 with a new photo, 200 with the one this owner already has for these bytes, 403 when uploads are closed.</summary>
    public static async Task<Results<Created<PhotoDto>, Ok<PhotoDto>, ProblemHttpResult>> RegisterPhoto(
        RegisterPhotoRequest request, PhotoStore store, CancellationToken cancellationToken = default)
    {
        if (Validate(request) is { } error)
        {
            return Problems.Malformed(error);
        }

        var (outcome, photo) = await store.RegisterAsync(request, cancellationToken);
        return outcome switch
        {
            RegisterOutcome.Created => TypedResults.Created($"/api/photos/{photo!.Id}", photo.ToDto(includeFailureReason: true)),
            RegisterOutcome.Existing => TypedResults.Ok(photo!.ToDto(includeFailureReason: true)),
            RegisterOutcome.QuotaExceeded => Problems.QuotaExceeded(),
            RegisterOutcome.AlbumNotFound => Problems.AlbumNotFound(request.AlbumId!.Value),
            RegisterOutcome.LinkNotFound => SharesApi.LinkNotFound(),
            _ => Problems.UploadsClosed(),
        };
    }

    /// <summary>The worker stored the renditions. Idempotent: a repeat changes nothing and announces nothing.</summary>
    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> CompleteRenditions(
        Guid id, RenditionsCompletedRequest request, PhotoStore store, CancellationToken cancellationToken = default)
    {
        if (request.Renditions is null || request.Renditions.Count == 0 || request.Width < 0 || request.Height < 0
            || request.Renditions.Any(r => string.IsNullOrEmpty(r.Preset) || string.IsNullOrEmpty(r.Key) || string.IsNullOrEmpty(r.ContentType)))
        {
            return Problems.Malformed("renditions need a preset, key and content type each, and there must be at least one.");
        }

        var photo = await store.CompleteRenditionsAsync(id, request, cancellationToken);
        return photo is null ? Problems.PhotoNotFound(id) : TypedResults.Ok(photo.ToDto(includeFailureReason: true));
    }

    /// <summary>The worker gave up on a photo. Idempotent.</summary>
    public static async Task<Results<Ok<PhotoDto>, ProblemHttpResult>> MarkFailed(
        Guid id, PhotoFailedRequest request, PhotoStore store, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return Problems.Malformed("reason is required.");
        }

        var photo = await store.FailAsync(id, request.Reason.Length > 1000 ? request.Reason[..1000] : request.Reason, cancellationToken);
        return photo is null ? Problems.PhotoNotFound(id) : TypedResults.Ok(photo.ToDto(includeFailureReason: true));
    }

    /// <summary>Events after a sequence number, in order: Notify.Api's replay when the stream no longer holds them.</summary>
    public static async Task<Results<Ok<IReadOnlyList<EventEnvelope>>, ProblemHttpResult>> ListEvents(
        PhotoStore store, long after = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        if (after < 0 || limit is < 1 or > MaxEventsLimit)
        {
            return Problems.Malformed($"after must be 0 or more and limit between 1 and {MaxEventsLimit}.");
        }

        return TypedResults.Ok(await store.ListEventsAsync(after, limit, cancellationToken));
    }

    public static async Task<Ok<SettingsDto>> GetSettings(PhotoStore store, CancellationToken cancellationToken = default) =>
        TypedResults.Ok(await store.GetSettingsAsync(cancellationToken));

    private static string? Validate(RegisterPhotoRequest request)
    {
        if (!IsHex64(request.OwnerId) || !IsHex64(request.Sha256))
        {
            return "ownerId and sha256 must be 64 lowercase hex characters.";
        }

        if (string.IsNullOrWhiteSpace(request.Format) || request.Format.Length > 16)
        {
            return "format is required.";
        }

        if (request.Length <= 0 || request.Width < 0 || request.Height < 0)
        {
            return "length must be positive, width and height not negative.";
        }

        if (request.AlbumId is not null && request.ShareLinkId is not null)
        {
            return "albumId and shareLinkId cannot both be given: a guest link names its own album.";
        }

        return request.Caption is { Length: > 500 } || request.Author is { Length: > 100 }
            ? "caption is at most 500 characters, author at most 100."
            : request.Source?.Problem();
    }

    private static bool IsHex64(string? value) =>
        value is { Length: 64 } && value.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
