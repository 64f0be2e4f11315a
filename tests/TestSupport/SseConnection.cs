using System.Net.Http.Headers;
using System.Threading.Channels;

namespace Scrapbook.Testing;

/// <summary>One field block of an event stream: an event (id/event/data), a comment, or a retry hint.</summary>
public sealed record SseFrame(string? Id, string? Event, string? Data, string? Comment, string? Retry)
{
    public bool IsEvent => Event is not null || Data is not null;

    public long Sequence => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A client of <c>GET /api/events</c> over a real socket, parsing the stream as WHATWG HTML §9.2.6 does
/// (fields <c>id</c>, <c>event</c>, <c>data</c>, <c>retry</c> and comments; a blank line ends a block).
/// </summary>
public sealed class SseConnection : IAsyncDisposable
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(20);
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly Channel<SseFrame> _frames = Channel.CreateUnbounded<SseFrame>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _reader;

    private SseConnection(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        _response = response;
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Completes when the server ended the response (or the connection broke).</summary>
    public Task Ended => _reader ?? throw new InvalidOperationException("Not reading yet.");

    /// <summary>
    /// Opens the stream. With <paramref name="startReading"/> false nothing is read until
    /// <see cref="StartReading"/>; a small <paramref name="receiveBufferSize"/> then makes the client stall quickly.
    /// With <paramref name="localAddress"/> (127.0.0.x) the connection comes from that address, as a client of its own.
    /// </summary>
    public static async Task<SseConnection> OpenAsync(
        Uri baseAddress,
        string? lastEventId = null,
        string? bearerToken = null,
        string? cookie = null,
        string path = "/api/events",
        bool startReading = true,
        int? receiveBufferSize = null,
        System.Net.IPAddress? localAddress = null,
        CancellationToken cancellationToken = default)
    {
        var handler = LoopbackSource.Handler(localAddress, receiveBufferSize);
        handler.PooledConnectionLifetime = Timeout.InfiniteTimeSpan;
        var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        if (bearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_defaultTimeout);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var connection = new SseConnection(http, response);
        if (startReading)
        {
            connection.StartReading();
        }

        return connection;
    }

    public void StartReading() => _reader ??= Task.Run(ReadAsync);

    /// <summary>The next frame that satisfies <paramref name="predicate"/>; earlier ones are consumed.</summary>
    public async Task<SseFrame> NextAsync(Func<SseFrame, bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? s_defaultTimeout);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(deadline.Token);
                if (predicate(frame))
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No matching frame within {timeout ?? s_defaultTimeout}.");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The server ended the stream before a matching frame arrived.");
        }
    }

    public Task<SseFrame> NextEventAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        NextAsync(f => f.IsEvent, timeout, cancellationToken);

    /// <summary>The next <paramref name="count"/> events, in order.</summary>
    public async Task<IReadOnlyList<SseFrame>> NextEventsAsync(int count, CancellationToken cancellationToken = default)
    {
        var events = new List<SseFrame>();
        while (events.Count < count)
        {
            events.Add(await NextEventAsync(cancellationToken: cancellationToken));
        }

        return events;
    }

    /// <summary>
    /// The next <paramref name="count"/> events numbered <paramref name="firstSequence"/> or above, in order. A client that
    /// connects with no Last-Event-ID gets whatever the stream's tail reads after it joined, which can include an event an
    /// earlier test added a moment before; this skips those.
    /// </summary>
    public async Task<IReadOnlyList<SseFrame>> NextEventsFromAsync(long firstSequence, int count, CancellationToken cancellationToken = default)
    {
        var events = new List<SseFrame>();
        while (events.Count < count)
        {
            events.Add(await NextAsync(f => f.IsEvent && f.Sequence >= firstSequence, cancellationToken: cancellationToken));
        }

        return events;
    }

    /// <summary>Every frame received until the server ended the stream.</summary>
    public async Task<IReadOnlyList<SseFrame>> ReadToEndAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        await Ended.WaitAsync(timeout, cancellationToken);
        var frames = new List<SseFrame>();
        while (_frames.Reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        _http.Dispose();
        if (_reader is not null)
        {
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
            string? id = null, type = null, data = null, comment = null, retry = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (id is not null || type is not null || data is not null || comment is not null || retry is not null)
                    {
                        _frames.Writer.TryWrite(new SseFrame(id, type, data, comment, retry));
                    }

                    id = type = data = comment = retry = null;
                    continue;
                }

                if (line[0] == ':')
                {
                    comment = line[1..].TrimStart();
                    continue;
                }

                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                if (value.StartsWith(' '))
                {
                    value = value[1..];
                }

                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "data":
                        data = data is null ? value : data + "\n" + value;
                        break;
                    case "retry":
                        retry = value;
                        break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or HttpRequestException or ObjectDisposedException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
