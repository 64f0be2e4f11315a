using System.Net;
using System.Text.Json;
using Scrapbook.Contracts;

namespace Scrapbook.Upload.Api.Gallery;

/// <summary>What Gallery.Api did with a registration.</summary>
internal enum RegistrationOutcome
{
    /// <summary>A new photo (Gallery answered 201).</summary>
    Created,

    /// <summary>This owner already had these bytes (Gallery answered 200).</summary>
    Existing,
}

/// <summary>Gallery.Api's internal API (<c>GET /internal/settings</c>, <c>POST /internal/photos</c>), through service discovery.</summary>
internal sealed class GalleryClient(HttpClient http)
{
    public const string BaseAddress = $"http://{UploadApiSettings.Gallery}";

    public async Task<SettingsDto> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => http.GetAsync("/internal/settings", cancellationToken));
        EnsureSuccess(response);
        return await ReadAsync(response, ContractsJsonContext.Default.SettingsDto, cancellationToken);
    }

    /// <summary>
    /// Throws <see cref="UploadsClosedException"/> when Gallery refuses because uploads are closed, and
    /// <see cref="QuotaExceededException"/> when the owner's quota is reached.
    /// </summary>
    public async Task<(RegistrationOutcome Outcome, PhotoDto Photo)> RegisterAsync(RegisterPhotoRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => http.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, cancellationToken));
        if (response.StatusCode == HttpStatusCode.NotFound && request.AlbumId is { } albumId)
        {
            throw new AlbumNotFoundException(albumId);
        }

        if (response.StatusCode == HttpStatusCode.NotFound && request.ShareLinkId is not null)
        {
            throw new ShareLinkNotWorkingException();
        }

        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            // Both refusals are 403; the problem's type tells them apart.
            using var problem = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = problem.RootElement;
            throw root.TryGetProperty("type", out var type) && type.GetString() == ProblemTypes.QuotaExceeded
                ? new QuotaExceededException(root.TryGetProperty("detail", out var detail) ? detail.GetString() : null)
                : new UploadsClosedException();
        }

        EnsureSuccess(response);
        var photo = await ReadAsync(response, ContractsJsonContext.Default.PhotoDto, cancellationToken);
        return (response.StatusCode == HttpStatusCode.Created ? RegistrationOutcome.Created : RegistrationOutcome.Existing, photo);
    }

    /// <summary>Whether <paramref name="ownerId"/> has album <paramref name="albumId"/>.</summary>
    public async Task<bool> HasAlbumAsync(string ownerId, Guid albumId, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(() => http.GetAsync($"/internal/owners/{Uri.EscapeDataString(ownerId)}/albums/{albumId}", cancellationToken));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        EnsureSuccess(response);
        return true;
    }

    private static async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException ex)
        {
            throw new GalleryUnavailableException(ex.Message, ex);
        }
        catch (TimeoutException ex)
        {
            throw new GalleryUnavailableException(ex.Message, ex);
        }
        catch (Polly.Timeout.TimeoutRejectedException ex)
        {
            throw new GalleryUnavailableException(ex.Message, ex);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException ex)
        {
            throw new GalleryUnavailableException(ex.Message, ex);
        }
    }

    private static void EnsureSuccess(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            // A 4xx here is our bug or a contract drift, a 5xx is Gallery's trouble; to the user both mean "not now".
            throw new GalleryUnavailableException($"Gallery.Api answered {(int)response.StatusCode} {response.ReasonPhrase} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}.");
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken)
                ?? throw new GalleryUnavailableException("Gallery.Api answered with an empty body.");
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new GalleryUnavailableException("Gallery.Api answered with a body that is not the contract: " + ex.Message, ex);
        }
    }
}

/// <summary>Gallery.Api could not be reached or did not answer as the contract says.</summary>
internal sealed class GalleryUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Gallery.Api's settings say uploads are closed.</summary>
internal sealed class UploadsClosedException() : Exception("Uploads are closed.");

/// <summary>The upload names an album its owner does not have.</summary>
internal sealed class AlbumNotFoundException(Guid albumId) : Exception($"You have no album {albumId}.")
{
    public Guid AlbumId { get; } = albumId;
}

/// <summary>The guest link an upload came through stopped letting anyone add photos while it was sent (revoked, expired).</summary>
internal sealed class ShareLinkNotWorkingException() : Exception(ShareLinkProblems.NotWorkingDetail);

internal sealed class QuotaExceededException(string? detail) : Exception(detail ?? "The owner's storage quota is reached.");
