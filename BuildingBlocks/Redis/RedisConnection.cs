using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Scrapbook.Redis.Protocol;

namespace Scrapbook.Redis;

/// <summary>
/// One socket to Redis, pipelined: callers enqueue encoded commands, a single write loop copies
/// them to the socket and flushes once the queue is drained (so concurrent commands share a write),
/// and a single read loop parses replies and completes requests in the order they were written —
/// Redis answers commands on a connection strictly in order, so FIFO matching is exact.
/// When anything goes wrong the connection fails as a whole: every in-flight command gets a
/// <see cref="RedisConnectionException"/> and the owner is told so it can reconnect.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    // Flush mid-batch past this many bytes so one huge burst does not buffer without bound.
    private const int FlushThreshold = 64 * 1024;

    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly Channel<IRedisRequest> _outgoing = Channel.CreateUnbounded<IRedisRequest>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    private readonly ConcurrentQueue<IRedisRequest> _pending = new();
    private readonly string _endPoint;
    private readonly ILogger _logger;
    private readonly Timer _watchdog;
    private readonly Task _readLoop;
    private readonly Task _writeLoop;
    private Action<RedisConnection, Exception>? _onFailed;
    private Exception? _failure;
    private int _failed;

    private RedisConnection(Socket socket, Stream stream, string endPoint, TimeSpan responseTimeout, ILogger logger)
    {
        _socket = socket;
        _stream = stream;
        _endPoint = endPoint;
        _logger = logger;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));

        var period = TimeSpan.FromTicks(Math.Clamp(responseTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 50, TimeSpan.TicksPerSecond));
        _watchdog = new Timer(static state => ((RedisConnection)state!).CheckReplyDeadline(), this, period, period);
        _readLoop = ReadLoopAsync();
        _writeLoop = WriteLoopAsync();
    }

    public bool IsConnected => Volatile.Read(ref _failed) == 0;

    public string EndPoint => _endPoint;

    /// <summary>
    /// Opens a socket (and TLS), authenticates and selects the database. Failures of any step
    /// surface as <see cref="RedisConnectionException"/> carrying the cause; cancellation by the
    /// caller surfaces as <see cref="OperationCanceledException"/>.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisConnectionOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        var endPoint = options.EndPoint;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        RedisConnection? connection = null;
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            await socket.ConnectAsync(new DnsEndPoint(options.Host, options.Port), timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Ssl)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.SslHost ?? options.Host,
                        RemoteCertificateValidationCallback = options.CertificateValidation,
                    },
                    timeout.Token).ConfigureAwait(false);
            }

            connection = new RedisConnection(socket, stream, endPoint, options.ResponseTimeout, logger);
            await connection.HandshakeAsync(options, timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception exception)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            throw exception switch
            {
                OperationCanceledException => new RedisConnectionException(
                    $"Timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms connecting to Redis at {endPoint}.", exception),
                RedisServerException { Prefix: "WRONGPASS" or "NOAUTH" or "NOPERM" } or RedisServerException { Message: "ERR invalid password" } =>
                    new RedisConnectionException($"Authentication with Redis at {endPoint} failed: {exception.Message}", exception),
                RedisServerException => new RedisConnectionException(
                    $"Redis at {endPoint} rejected the connection setup: {exception.Message}", exception),
                AuthenticationException => new RedisConnectionException(
                    $"TLS handshake with Redis at {endPoint} failed: {exception.Message}", exception),
                RedisConnectionException connectionException => connectionException,
                _ => new RedisConnectionException($"Could not connect to Redis at {endPoint}: {exception.Message}", exception),
            };
        }
    }

    /// <summary>Queues a request. False when the connection has failed; the request is then untouched.</summary>
    public bool TrySend(IRedisRequest request) => _outgoing.Writer.TryWrite(request);

    /// <summary>
    /// Registers who to tell when the connection fails. Called after the connection is published,
    /// so a failure in between is reported at once rather than lost.
    /// </summary>
    public void SetFailureCallback(Action<RedisConnection, Exception> onFailed)
    {
        Interlocked.Exchange(ref _onFailed, onFailed);
        if (Volatile.Read(ref _failed) != 0 && Interlocked.Exchange(ref _onFailed, null) is { } callback)
        {
            callback(this, _failure!);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _onFailed, null);
        Fail(new ObjectDisposedException(nameof(RedisConnection), "The Redis connection was closed by its owner."));
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        await _watchdog.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandshakeAsync(RedisConnectionOptions options, CancellationToken cancellationToken)
    {
        var steps = new List<Task>(3);
        var timeout = Stopwatch.Frequency * (long)Math.Ceiling(options.ConnectTimeout.TotalSeconds);
        if (options.Password is not null)
        {
            var auth = new RespCommandWriter(options.User is null ? 2 : 3);
            auth.Add("AUTH"u8);
            if (options.User is not null)
            {
                auth.Add(options.User);
            }

            auth.Add(options.Password);
            steps.Add(Send(auth.Complete(), RedisReplies.Ok, timeout, cancellationToken));
        }

        if (options.ClientName is not null)
        {
            var setName = new RespCommandWriter(3);
            setName.Add("CLIENT"u8);
            setName.Add("SETNAME"u8);
            setName.Add(options.ClientName);
            steps.Add(Send(setName.Complete(), RedisReplies.Ok, timeout, cancellationToken));
        }

        if (options.Database != 0)
        {
            var select = new RespCommandWriter(2);
            select.Add("SELECT"u8);
            select.Add(options.Database);
            steps.Add(Send(select.Complete(), RedisReplies.Ok, timeout, cancellationToken));
        }

        // Pipelined: one round trip. The first failure (in order) is the one reported.
        foreach (var step in steps)
        {
            await step.ConfigureAwait(false);
        }
    }

    private Task<T> Send<T>(RespPayload payload, Func<RespValue, T> decode, long timeout, CancellationToken cancellationToken)
    {
        var request = new RedisRequest<T>(payload, decode, timeout, cancellationToken);
        if (!TrySend(request))
        {
            request.SetFailure(_failure ?? new RedisConnectionException($"The connection to Redis at {_endPoint} is closed."));
        }

        return request.Task;
    }

    private async Task WriteLoopAsync()
    {
        // Yield first so the constructor returns before the loop runs on the caller's stack.
        await Task.Yield();
        var outgoing = _outgoing.Reader;
        try
        {
            while (await outgoing.WaitToReadAsync().ConfigureAwait(false))
            {
                var unflushed = 0;
                while (outgoing.TryRead(out var request))
                {
                    if (!request.TryTakePayload(out var payload))
                    {
                        continue;
                    }

                    request.Deadline = request.ReplyTimeout == long.MaxValue
                        ? long.MaxValue
                        : Stopwatch.GetTimestamp() + request.ReplyTimeout;

                    // Queue for the reply before the bytes can reach the server.
                    _pending.Enqueue(request);
                    _writer.Write(payload.Span);
                    unflushed += payload.Length;
                    payload.Return();

                    if (unflushed >= FlushThreshold)
                    {
                        unflushed = 0;
                        await _writer.FlushAsync().ConfigureAwait(false);
                    }
                }

                // Pairs with the barrier in Fail: either Fail sees what was just queued, or this sees Fail.
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref _failed) != 0)
                {
                    break;
                }

                var flush = await _writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }

        // Whatever ended the loop, the connection is finished; requests queued since Fail ran are failed here.
        Fail(new RedisConnectionException($"The connection to Redis at {_endPoint} stopped writing."));
        FailQueued();
        await _writer.CompleteAsync(Volatile.Read(ref _failure)).ConfigureAwait(false);
    }

    private async Task ReadLoopAsync()
    {
        await Task.Yield();
        Exception failure;
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = DispatchReplies(buffer);
                if (result.IsCompleted || result.IsCanceled)
                {
                    failure = new RedisConnectionException($"Redis at {_endPoint} closed the connection.");
                    break;
                }

                _reader.AdvanceTo(consumed, buffer.End);
            }
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        Fail(failure);
        await _reader.CompleteAsync().ConfigureAwait(false);
    }

    private SequencePosition DispatchReplies(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (RespReader.TryRead(ref reader, out var reply))
        {
            if (!_pending.TryDequeue(out var request))
            {
                throw new RedisException($"Protocol error: Redis at {_endPoint} sent a reply no command was waiting for.");
            }

            request.SetReply(reply);
        }

        return reader.Position;
    }

    private void CheckReplyDeadline()
    {
        if (_pending.TryPeek(out var oldest) && Stopwatch.GetTimestamp() > oldest.Deadline)
        {
            Fail(new RedisConnectionException(
                $"Redis at {_endPoint} did not reply within the response timeout; the connection is treated as dead."));
        }
    }

    private void Fail(Exception exception)
    {
        if (Interlocked.Exchange(ref _failed, 1) != 0)
        {
            return;
        }

        var failure = exception is RedisConnectionException or ObjectDisposedException
            ? exception
            : new RedisConnectionException($"The connection to Redis at {_endPoint} failed: {exception.Message}", exception);
        Volatile.Write(ref _failure, failure);
        _outgoing.Writer.TryComplete();
        _watchdog.Change(Timeout.Infinite, Timeout.Infinite);

        // Closing the socket ends both loops: pending socket reads and writes throw.
        _socket.Dispose();
        _stream.Dispose();

        var callback = Interlocked.Exchange(ref _onFailed, null);
        if (callback is not null)
        {
            _logger.ConnectionLost(_endPoint, _pending.Count, failure);
        }

        FailQueued();
        callback?.Invoke(this, failure);
    }

    private void FailQueued()
    {
        if (Volatile.Read(ref _failed) == 0)
        {
            return;
        }

        var failure = Volatile.Read(ref _failure)!;
        while (_pending.TryDequeue(out var request))
        {
            request.SetFailure(failure);
        }

        while (_outgoing.Reader.TryRead(out var request))
        {
            request.SetFailure(failure);
        }
    }
}
