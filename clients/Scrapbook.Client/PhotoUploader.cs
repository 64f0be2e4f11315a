using System.Net;
using System.Net.Http.Headers;
using Scrapbook.Client.Models;

namespace Scrapbook.Client;

/// <summary>What one upload came to: the photo (202 new, 200 already there), or the problem the site answered.</summary>
public sealed record UploadResult(HttpStatusCode Status, PhotoDto? Photo, ProblemDetails? Problem, TimeSpan? RetryAfter)
{
    public bool Succeeded => Photo is not null;

    /// <summary>200: this owner already had these bytes, and <see cref="Photo"/> is that photo.</summary>
    public bool AlreadyUploaded => Status == HttpStatusCode.OK;
}

/// <summary>
/// Uploads one image as it is read from its stream, reporting the bytes sent as they go: the generated client sends a
/// body in one piece and says nothing until the answer comes.
/// </summary>
public sealed class PhotoUploader(HttpClient http, string ownerToken)
{
    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// Sends <paramref name="content"/> as a raw <paramref name="contentType"/> body to <c>POST /api/uploads</c>.
    /// <paramref name="progress"/> hears the bytes sent so far, at most every 64 KiB. Refusals come back as the result's
    /// <see cref="UploadResult.Problem"/> (too large, not an image, rate limited with its wait …); only failures to talk
    /// to the site at all throw.
    /// </summary>
    public async Task<UploadResult> UploadAsync(
        Stream content, string contentType, string? caption = null, string? author = null,
        IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        var query = new List<string>();
        if (!string.IsNullOrEmpty(caption))
        {
            query.Add("caption=" + Uri.EscapeDataString(caption));
        }

        if (!string.IsNullOrEmpty(author))
        {
            query.Add("author=" + Uri.EscapeDataString(author));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads" + (query.Count > 0 ? "?" + string.Join('&', query) : ""))
        {
            Content = new ProgressContent(content, progress),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        if (response.IsSuccessStatusCode)
        {
            var photo = await JsonModels.ReadAsync(body, PhotoDto.CreateFromDiscriminatorValue, cancellationToken).ConfigureAwait(false);
            return new UploadResult(response.StatusCode, photo, null, retryAfter);
        }

        var problem = response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json"
            ? await JsonModels.ReadAsync(body, ProblemDetails.CreateFromDiscriminatorValue, cancellationToken).ConfigureAwait(false)
            : null;
        return new UploadResult(response.StatusCode, null, problem ?? new ProblemDetails { Status = (int)response.StatusCode, Title = response.ReasonPhrase }, retryAfter);
    }

    /// <summary>The stream, copied to the connection in chunks, with the running total reported after each.</summary>
    private sealed class ProgressContent(Stream source, IProgress<long>? progress) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var buffer = new byte[ChunkSize];
            long sent = 0;
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                sent += read;
                progress?.Report(sent);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            if (source.CanSeek)
            {
                length = source.Length - source.Position;
                return true;
            }

            length = 0;
            return false;
        }
    }
}
