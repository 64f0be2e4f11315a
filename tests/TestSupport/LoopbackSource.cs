using System.Net;
using System.Net.Sockets;

namespace Scrapbook.Testing;

/// <summary>
/// HTTP handlers whose connections come from a chosen loopback address (any of 127.0.0.0/8 is this machine), so that a
/// server keeping per-address limits sees several clients instead of one.
/// </summary>
public static class LoopbackSource
{
    /// <summary>The <paramref name="index"/>th client address, 127.0.0.{10 + index}.</summary>
    public static IPAddress Address(int index) =>
        index is >= 0 and < 240 ? new IPAddress([127, 0, 0, (byte)(10 + index)]) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>
    /// A handler that keeps no cookies and connects from <paramref name="localAddress"/> (the system's choice when null),
    /// with a socket receive buffer of <paramref name="receiveBufferSize"/> bytes when given. The server's address must be
    /// IPv4 (127.0.0.1, not localhost, which may resolve to ::1 first).
    /// </summary>
    public static SocketsHttpHandler Handler(IPAddress? localAddress = null, int? receiveBufferSize = null)
    {
        var handler = new SocketsHttpHandler { UseCookies = false };
        if (localAddress is null && receiveBufferSize is null)
        {
            return handler;
        }

        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            // Without a source address, a dual-mode socket: the server may be at localhost, which can resolve to ::1.
            var socket = localAddress is null ? new Socket(SocketType.Stream, ProtocolType.Tcp) : new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.NoDelay = true;
            try
            {
                if (receiveBufferSize is { } size)
                {
                    socket.ReceiveBufferSize = size;
                }

                if (localAddress is not null)
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                }

                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
        return handler;
    }
}
