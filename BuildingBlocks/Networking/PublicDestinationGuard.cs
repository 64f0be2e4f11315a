using System.Net;
using System.Net.Sockets;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Networking;

/// <summary>
/// Lets a server open connections on someone else's behalf (an image address a user gave, a webhook endpoint an admin
/// registered) only to the public internet. One guard for every such outgoing call.
/// </summary>
/// <remarks>
/// The decisive check runs at connect time (<see cref="SocketsHttpHandler.ConnectCallback"/>): the host is resolved
/// here, every address it resolves to is classified, and the socket connects to exactly those checked addresses, so no
/// spelling of a host (decimal, hex, IPv4-mapped IPv6, a DNS name pointing inward, DNS rebinding between check and use)
/// reaches a blocked address. Handlers made here follow no redirects (a caller that follows them checks each hop with
/// <see cref="EnsureAllowed(Uri)"/>), use no proxy and keep no cookies. Their clients are deliberately not from
/// IHttpClientFactory: service discovery would resolve service names, and resilience would retry on its own terms.
/// </remarks>
public sealed partial class PublicDestinationGuard(bool allowLoopback, ILogger logger)
{
    /// <summary>
    /// A handler whose every connection passes the guard. <paramref name="maxResponseHeadersKiB"/> bounds what a
    /// hostile server can make us buffer before a body is read.
    /// </summary>
    public SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, int maxResponseHeadersKiB = 64) => new()
    {
        AllowAutoRedirect = false,
        // A proxy would connect for us, to wherever it likes: the connect-time check must see the real peer.
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = connectTimeout,
        MaxResponseHeadersLength = maxResponseHeadersKiB,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectCallback = ConnectAsync,
    };

    /// <summary>
    /// Sends through a handler from <see cref="CreateHandler"/>, throwing the guard's own exceptions as they are
    /// (<see cref="DestinationNotAllowedException"/>, <see cref="DestinationUnreachableException"/>) rather than
    /// wrapped in an <see cref="HttpRequestException"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(HttpMessageInvoker invoker, HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        try
        {
            return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is DestinationNotAllowedException or DestinationUnreachableException)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    /// <summary>What can be refused before any network traffic: the scheme, credentials, literal addresses.</summary>
    public void EnsureAllowed(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new DestinationNotAllowedException("Only http and https addresses are allowed.");
        }

        if (url.UserInfo.Length > 0)
        {
            throw new DestinationNotAllowedException("Addresses with credentials are not allowed.");
        }

        if (TryParseAddress(url.IdnHost, out var address))
        {
            EnsureAllowed(url.IdnHost, address);
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
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new DestinationUnreachableException($"The host {host} cannot be resolved ({ex.SocketErrorCode}).", ex);
            }
        }

        if (addresses.Length == 0)
        {
            throw new DestinationUnreachableException($"The host {host} has no addresses.");
        }

        // Every address must pass, not just the first: a name that also points inward is refused as a whole.
        foreach (var address in addresses)
        {
            EnsureAllowed(host, address);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
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
        if (kind == AddressClass.Public || (kind == AddressClass.Loopback && allowLoopback))
        {
            return;
        }

        LogRefused(logger, host, address, kind);
        throw new DestinationNotAllowedException($"{host} is a {Describe(kind)} address ({address}); only public internet addresses are allowed.");
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outgoing connection refused: {Host} is {Address} ({Kind})")]
    private static partial void LogRefused(ILogger logger, string host, IPAddress address, AddressClass kind);
}

/// <summary>The address, or a redirect it led to, points somewhere the server does not connect to on anyone's behalf.</summary>
public sealed class DestinationNotAllowedException(string message) : Exception(message);

/// <summary>The destination's host could not be resolved to any address.</summary>
public sealed class DestinationUnreachableException(string message, Exception? innerException = null) : Exception(message, innerException);
