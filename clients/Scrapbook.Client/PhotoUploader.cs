using System.Net;
using System.Net.Http.Headers;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Scrapbook.Client.Models;

namespace Scrapbook.Client;

/// <summary>What one upload came to: the photo (202 new, 200 already there), or the problem the site answered.</summary>
public sealed record UploadResult(HttpStatusCode Status, PhotoDto? Photo, ProblemDetails? Problem, TimeSpan? RetryAfter)
{
    public bool Succeeded => Photo is not null;

    /// <summary>200: this owner already had these bytes, and <see cref="Photo"/> is that photo.</summary>
    public bool AlreadyUploaded => Status == HttpStatusCode.OK;

    /// <summary>The bytes went straight to the site's storage (a direct upload), not through its gateway.</summary>
    public bool SentToStorage { get; init; }
}

/// <summary>
/// Uploads one image as it is read from its stream, reporting the bytes sent as they go: the generated client sends a
/// body in one piece and says nothing until the answer comes. Files of <see cref="DirectUploadThreshold"/> bytes or
/// more go straight to the site's storage (<c>POST /api/uploads/direct</c>, the bytes in blocks to the URL it grants,
/// then <c>complete</c>), and through the gateway when the site has direct uploads off or storage cannot be reached.
/// </summary>
public sealed class PhotoUploader(HttpClient http, string ownerToken)
{
    private const int ChunkSize = 64 * 1024;
    private const int BlockSize = 4 * 1024 * 1024;
    private const string TooManyOpenUploads = "https://scrapbook.dev/problems/too-many-open-uploads";
    private const int MaxCompletionTries = 3;
    private static readonly TimeSpan s_maxCompletionWait = TimeSpan.FromMinutes(1);

    /// <summary>Seekable streams at least this long are uploaded directly to storage; <see cref="long.MaxValue"/> never.</summary>
    public long DirectUploadThreshold { get; init; } = 16L * 1024 * 1024;

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
        if (content.CanSeek && content.Length - content.Position is var size && size >= DirectUploadThreshold && size > 0)
        {
            var start = content.Position;
            if (await TryUploadDirectAsync(content, size, contentType, caption, author, progress, cancellationToken).ConfigureAwait(false) is { } direct)
            {
                return direct;
            }

            content.Position = start;
        }

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
        return await ReadResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The direct path; <c>null</c> when the gateway should take the file instead (direct uploads off or all in use,
    /// storage unreachable or refusing the URL), in which case nothing is left open on the site.
    /// </summary>
    private async Task<UploadResult?> TryUploadDirectAsync(
        Stream content, long size, string contentType, string? caption, string? author, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var ask = new DirectUploadRequest { Size = size, ContentType = contentType, Caption = caption, Author = author };
        using var start = NewRequest(HttpMethod.Post, "/api/uploads/direct");
        start.Content = JsonModels.Content(ask);
        using var started = await http.SendAsync(start, cancellationToken).ConfigureAwait(false);
        if (!started.IsSuccessStatusCode)
        {
            var refusal = await ReadResultAsync(started, cancellationToken).ConfigureAwait(false);
            return refusal.Status == HttpStatusCode.NotFound || refusal.Problem?.Type == TooManyOpenUploads ? null : refusal;
        }

        await using var body = await started.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var grant = await JsonModels.ReadAsync(body, DirectUploadGrant.CreateFromDiscriminatorValue, cancellationToken).ConfigureAwait(false);
        if (grant is not { Id: { } id, UploadUrl: { } uploadUrl, CompleteUrl: { } completeUrl })
        {
            return null;
        }

        try
        {
            var blob = new BlockBlobClient(new Uri(uploadUrl));
            var options = new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
                TransferOptions = new StorageTransferOptions { InitialTransferSize = BlockSize, MaximumTransferSize = BlockSize, MaximumConcurrency = 4 },
                ProgressHandler = progress,
            };
            await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or HttpRequestException or AggregateException && !cancellationToken.IsCancellationRequested)
        {
            // Storage is not reachable from here (a site behind a gateway on another network) or refused: the gateway takes it.
            await CancelAsync(id).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException)
        {
            await CancelAsync(id).ConfigureAwait(false);
            throw;
        }

        // The bytes are up: a completion refused for a while (rate limited, the gallery briefly down) is worth waiting for.
        for (var attempt = 1; ; attempt++)
        {
            using var complete = NewRequest(HttpMethod.Post, completeUrl);
            using var completed = await http.SendAsync(complete, cancellationToken).ConfigureAwait(false);
            var result = await ReadResultAsync(completed, cancellationToken).ConfigureAwait(false) with { SentToStorage = true };
            if (result.Status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || attempt == MaxCompletionTries)
            {
                if (!result.Succeeded && result.Status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    await CancelAsync(id).ConfigureAwait(false);
                }

                return result;
            }

            try
            {
                await Task.Delay(result.RetryAfter is { } wait && wait <= s_maxCompletionWait ? wait : TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await CancelAsync(id).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Best effort, and not cancellable by the caller's token: it runs because that token fired.</summary>
    private async Task CancelAsync(string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var cancel = NewRequest(HttpMethod.Delete, $"/api/uploads/{Uri.EscapeDataString(id)}");
            using var _ = await http.SendAsync(cancel, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // The site sweeps uploads nobody completed.
        }
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    }

    private static async Task<UploadResult> ReadResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
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
