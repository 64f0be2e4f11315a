using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Scrapbook.Imaging;
using Scrapbook.Networking;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.UrlFetch;

/// <summary>
/// Fetches an image from a URL a user gave us, without letting that user reach anything but the public internet:
/// every connection passes the <see cref="PublicDestinationGuard"/>, and redirects are followed by hand, each hop
/// checked again as if it were the first URL.
/// </summary>
internal sealed partial class UrlFetcher : IDisposable
{
    private readonly UrlFetchOptions _options;
    private readonly long _maxBytes;
    private readonly PublicDestinationGuard _guard;
    private readonly HttpMessageInvoker _invoker;
    private readonly ILogger<UrlFetcher> _logger;

    public UrlFetcher(IOptions<UrlFetchOptions> options, IOptions<ImagingOptions> imaging, ILogger<UrlFetcher> logger)
    {
        _options = options.Value;
        _maxBytes = imaging.Value.MaxBytes;
        _logger = logger;
        _guard = new PublicDestinationGuard(_options.AllowLoopbackForTesting, logger);
        _invoker = new HttpMessageInvoker(_guard.CreateHandler(_options.ConnectTimeout));
    }

    /// <summary>
    /// Fetches <paramref name="url"/> into a temporary file in <paramref name="directory"/>.
    /// Throws <see cref="DestinationNotAllowedException"/>, <see cref="UrlFetchFailedException"/> or <see cref="UploadTooLargeException"/>.
    /// </summary>
    public async Task<ReceivedFile> FetchAsync(Uri url, string directory, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        var current = url;
        try
        {
            for (var hop = 0; ; hop++)
            {
                _guard.EnsureAllowed(current);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/*"));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*", 0.5));
                request.Headers.UserAgent.ParseAdd(_options.UserAgent);

                using var response = await PublicDestinationGuard.SendAsync(_invoker, request, timeout.Token);
                if (IsRedirect(response.StatusCode))
                {
                    if (hop >= _options.MaxRedirects)
                    {
                        throw new UrlFetchFailedException($"More than {_options.MaxRedirects} redirects.");
                    }

                    var location = response.Headers.Location
                        ?? throw new UrlFetchFailedException($"{(int)response.StatusCode} redirect without a Location.");
                    var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                    LogRedirect(_logger, current, next);
                    current = next;
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    throw new UrlFetchFailedException($"The server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
                }

                if (response.Content.Headers.ContentLength is { } declared && declared > _maxBytes)
                {
                    throw new UploadTooLargeException(_maxBytes, declared);
                }

                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
                var name = current.Segments is [.., var last] ? Uri.UnescapeDataString(last) : null;
                return await ReceivedFile.ReceiveAsync(body, directory, _maxBytes, name, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new UrlFetchFailedException($"Fetching took longer than {_options.Timeout.TotalSeconds:0} s.");
        }
        catch (DestinationUnreachableException ex)
        {
            throw new UrlFetchFailedException(ex.Message, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new UrlFetchFailedException(ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new UrlFetchFailedException("The connection broke while reading: " + ex.Message, ex);
        }
    }

    /// <summary>What can be refused before any network traffic: the scheme, credentials, literal addresses.</summary>
    public void EnsureAllowed(Uri url) => _guard.EnsureAllowed(url);

    public void Dispose() => _invoker.Dispose();

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    [LoggerMessage(Level = LogLevel.Information, Message = "URL fetch redirected from {From} to {To}")]
    private static partial void LogRedirect(ILogger logger, Uri from, Uri to);
}

/// <summary>The URL could not be fetched: unreachable, an error status, a timeout, too many redirects.</summary>
internal sealed class UrlFetchFailedException(string message, Exception? innerException = null) : Exception(message, innerException);
