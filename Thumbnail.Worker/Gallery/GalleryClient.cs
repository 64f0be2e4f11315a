using System.Globalization;
using System.Net;
using Scrapbook.Contracts;

namespace Scrapbook.Thumbnail.Worker.Gallery;

/// <summary>
/// Gallery.Api's internal endpoints the worker reports to. Both are idempotent by contract, so unlike the platform's
/// resilience handler (which retries only idempotent methods) this client retries its POSTs on transient failures.
/// </summary>
internal sealed partial class GalleryClient(IHttpClientFactory httpClientFactory, ILogger<GalleryClient> logger)
{
    public const string HttpClientName = "gallery-api";

    private const int MaxAttempts = 3;
    private static readonly TimeSpan s_firstRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary><c>POST /internal/photos/{id}/renditions</c>. True when acknowledged; false when the photo no longer exists.</summary>
    public Task<bool> CompleteRenditionsAsync(Guid photoId, RenditionsCompletedRequest request, CancellationToken cancellationToken = default) =>
        PostAsync(photoId, "renditions", () => JsonContent.Create(request, ContractsJsonContext.Default.RenditionsCompletedRequest), cancellationToken);

    /// <summary><c>POST /internal/photos/{id}/failed</c>. True when acknowledged; false when the photo no longer exists.</summary>
    public Task<bool> ReportFailedAsync(Guid photoId, string reason, CancellationToken cancellationToken = default) =>
        PostAsync(photoId, "failed", () => JsonContent.Create(new PhotoFailedRequest(reason), ContractsJsonContext.Default.PhotoFailedRequest), cancellationToken);

    private async Task<bool> PostAsync(Guid photoId, string action, Func<HttpContent> content, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"internal/photos/{photoId:D}/{action}");
        var http = httpClientFactory.CreateClient(HttpClientName);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsync(path, content(), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    return false;
                }

                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                var error = new GalleryException(
                    $"Gallery.Api answered {(int)response.StatusCode} to POST /{path}: {Truncate(body)}", response.StatusCode);
                if (!IsTransient(response.StatusCode) || attempt == MaxAttempts)
                {
                    throw error;
                }

                LogRetrying(logger, path, attempt, error.Message);
            }
            catch (Exception ex) when (ex is not GalleryException && !cancellationToken.IsCancellationRequested && attempt < MaxAttempts)
            {
                // Connection refused, a reset, the resilience handler's timeout or open circuit: try again shortly.
                LogRetrying(logger, path, attempt, ex.Message);
            }

            await Task.Delay(s_firstRetryDelay * Math.Pow(2, attempt - 1), cancellationToken);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "POST /{Path} to Gallery.Api failed (attempt {Attempt}), retrying: {Error}")]
    private static partial void LogRetrying(ILogger logger, string path, int attempt, string error);
}

/// <summary>Gallery.Api refused a report, or kept failing it.</summary>
internal sealed class GalleryException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
