using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scrapbook.Upload.Api.Tests.Support;

/// <summary>What a <see cref="LoopbackServer"/> handler gets: the request's path, and the connection to answer on.</summary>
public sealed record LoopbackRequest(string Path, Stream Connection, CancellationToken Aborted)
{
    public async Task RespondAsync(int status, IReadOnlyDictionary<string, string>? headers = null, byte[]? body = null)
    {
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} Status\r\nConnection: close\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        if (body is not null && headers?.ContainsKey("Content-Length") != true)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        }

        head.Append("\r\n");
        await Connection.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), Aborted);
        if (body is not null)
        {
            await Connection.WriteAsync(body, Aborted);
        }

        await Connection.FlushAsync(Aborted);
    }

    public Task RedirectAsync(string location, int status = 302) =>
        RespondAsync(status, new Dictionary<string, string> { ["Location"] = location, ["Content-Length"] = "0" });
}

/// <summary>
/// A plain HTTP/1.1 server on 127.0.0.1, one request per connection: the far end of URL uploads. Hand-written on a
/// socket so that a handler can misbehave freely (stream forever, stall, lie about lengths).
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<LoopbackRequest, Task> _handler;
    private readonly Task _accepting;
    private int _requests;

    private LoopbackServer(Func<LoopbackRequest, Task> handler)
    {
        _handler = handler;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    /// <summary>Requests whose headers arrived.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static LoopbackServer Start(Func<LoopbackRequest, Task> handler) => new(handler);

    public Uri Url(string path) => new(BaseAddress, path);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var head = await ReadHeadAsync(stream, _stopping.Token);
            if (head is null)
            {
                return;
            }

            Interlocked.Increment(ref _requests);
            var path = head.Split(' ', 3) is [_, var target, _] ? target : "/";
            await _handler(new LoopbackRequest(path, stream, _stopping.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away (or was cut off on purpose): nothing to answer.
        }
    }

    private static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0 || head.Length > 16 * 1024)
            {
                return null;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
