using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Scrapbook.Imaging;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.UrlFetch;

/// <summary>
/// Fetches an image from a URL a user gave us, without letting that user reach anything but the public internet.
/// </summary>
/// <remarks>
/// The decisive check runs at connect time (<see cref="SocketsHttpHandler.ConnectCallback"/>): the host is resolved
/// here, every address it resolves to is classified, and the socket connects to exactly those checked addresses —
/// so no spelling of a host (decimal, hex, IPv4-mapped IPv6, a DNS name pointing inward, DNS rebinding between
/// check and use) reaches a blocked address. Redirects are followed by hand, each hop checked again. The client is
/// deliberately not from IHttpClientFactory: service discovery would resolve <c>http://gallery-api</c>, and
/// resilience would retry and impose its own timeout.
/// </remarks>
internal sealed partial class UrlFetcher : IDisposable
{
    private readonly UrlFetchOptions _options;
    private readonly long _maxBytes;
    private readonly HttpMessageInvoker _invoker;
    private readonly ILogger<UrlFetcher> _logger;

    public UrlFetcher(IOptions<UrlFetchOptions> options, IOptions<ImagingOptions> imaging, ILogger<UrlFetcher> logger)
    {
        _options = options.Value;
        _maxBytes = imaging.Value.MaxBytes;
        _logger = logger;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // A proxy would connect for us, to wherever it likes: the connect-time check must see the real peer.
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = _options.ConnectTimeout,
            MaxResponseHeadersLength = 64,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = ConnectAsync,
        });
    }

    /// <summary>
    /// Fetches <paramref name="url"/> into a temporary file in <paramref name="directory"/>.
    /// Throws <see cref="UrlNotAllowedException"/>, <see cref="UrlFetchFailedException"/> or <see cref="UploadTooLargeException"/>.
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
                EnsureAllowed(current);
                using var request = new HttpRequestMessage(HttpMethod.Get, current);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/*"));
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*", 0.5));
                request.Headers.UserAgent.ParseAdd(_options.UserAgent);

                using var response = await SendAsync(request, timeout.Token);
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
        catch (HttpRequestException ex)
        {
            throw new UrlFetchFailedException(ex.Message, ex);
        }
        catch (IOException ex)
        {
            throw new UrlFetchFailedException("The connection broke while reading: " + ex.Message, ex);
        }
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>What can be refused before any network traffic: the scheme, credentials, literal addresses.</summary>
    internal void EnsureAllowed(Uri url)
    {
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new UrlNotAllowedException("Only http and https URLs are fetched.");
        }

        if (url.UserInfo.Length > 0)
        {
            throw new UrlNotAllowedException("URLs with credentials are not fetched.");
        }

        if (TryParseAddress(url.IdnHost, out var address))
        {
            EnsureAllowed(url.IdnHost, address);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await _invoker.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is UrlNotAllowedException or UrlFetchFailedException)
        {
            // Thrown by ConnectAsync; the handler wraps them, the caller wants them as they are.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        IPAddress[] addresses;
        if (TryParseAddress(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException ex)
            {
                throw new UrlFetchFailedException($"The host {host} cannot be resolved ({ex.SocketErrorCode}).", ex);
            }
        }

        if (addresses.Length == 0)
        {
            throw new UrlFetchFailedException($"The host {host} has no addresses.");
        }

        // Every address must pass, not just the first: a name that also points inward is refused as a whole.
        foreach (var address in addresses)
        {
            EnsureAllowed(host, address);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void EnsureAllowed(string host, IPAddress address)
    {
        var kind = AddressClassifier.Classify(address);
        if (kind == AddressClass.Public || (kind == AddressClass.Loopback && _options.AllowLoopbackForTesting))
        {
            return;
        }

        LogRefused(_logger, host, address, kind);
        throw new UrlNotAllowedException($"{host} is a {Describe(kind)} address ({address}); only public internet addresses are fetched.");
    }

    private static bool TryParseAddress(string host, out IPAddress address)
    {
        var text = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(text, out var parsed))
        {
            address = parsed;
            return true;
        }

        address = IPAddress.None;
        return false;
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static string Describe(AddressClass kind) => kind switch
    {
        AddressClass.Loopback => "loopback",
        AddressClass.Private => "private-network",
        AddressClass.LinkLocal => "link-local",
        AddressClass.SharedAddressSpace => "carrier-grade NAT",
        AddressClass.Unspecified => "unspecified",
        AddressClass.Multicast => "multicast",
        AddressClass.Broadcast => "broadcast",
        AddressClass.CloudMetadata => "cloud metadata",
        AddressClass.UniqueLocal => "unique-local",
        _ => "reserved",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "URL fetch redirected from {From} to {To}")]
    private static partial void LogRedirect(ILogger logger, Uri from, Uri to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "URL fetch refused: {Host} is {Address} ({Kind})")]
    private static partial void LogRefused(ILogger logger, string host, IPAddress address, AddressClass kind);
}

/// <summary>The URL, or a redirect it led to, points somewhere the server does not fetch from.</summary>
internal sealed class UrlNotAllowedException(string message) : Exception(message);

/// <summary>The URL could not be fetched: unreachable, an error status, a timeout, too many redirects.</summary>
internal sealed class UrlFetchFailedException(string message, Exception? innerException = null) : Exception(message, innerException);
