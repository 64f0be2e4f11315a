using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Redis.Protocol;

namespace Scrapbook.Redis;

/// <summary>
/// A Redis client written from the RESP specification (redis.io/docs/reference/protocol-spec).
/// <para>
/// Protocol coverage: RESP2 only. Requests are sent as arrays of bulk strings; replies parsed are simple
/// strings, errors, integers, bulk strings, arrays and the RESP2 null bulk string / null array. HELLO is never
/// sent, so the server never switches to RESP3; pub/sub push messages, transactions and cluster redirects
/// (MOVED/ASK) are not supported.
/// </para>
/// <para>
/// Commands: AUTH (password, or ACL user + password), CLIENT SETNAME and SELECT during connection setup;
/// PING, GET, SET (EX/PX, NX), INCR, DEL, EXPIRE/PEXPIRE, XADD (explicit or <c>*</c> id, MAXLEN [~] n),
/// XRANGE (start, end, COUNT), XREAD (COUNT, BLOCK, STREAMS).
/// </para>
/// <para>
/// Connections: one multiplexed, pipelined connection (TCP or TLS) shared by all callers; blocking XREADs
/// each take a dedicated connection from a small pool. When the multiplexed connection drops, commands in
/// flight fail with <see cref="RedisConnectionException"/> (they may or may not have run, so they are never
/// resent), and the client reconnects in the background with capped exponential backoff and jitter. While a
/// connection attempt is under way new commands wait for it, in order; between attempts they fail at once.
/// </para>
/// </summary>
public sealed class RedisClient : IRedisClient, IAsyncDisposable
{
    private const int MaxIdleBlockingConnections = 4;

    private readonly RedisConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly long _responseTimeout;
    private readonly Lock _gate = new();
    private readonly List<IRedisRequest> _backlog = [];
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly ConcurrentBag<RedisConnection> _idleBlocking = [];
    private readonly ConcurrentDictionary<RedisConnection, byte> _blocking = new();

    // Guarded by _gate (read without it only on the fast path).
    private RedisConnection? _connection;
    private Exception? _lastError;
    private bool _reconnecting;
    private bool _connecting;
    private bool _everConnected;
    private bool _disposed;
    private Task _reconnectLoop = Task.CompletedTask;

    public RedisClient(RedisConnectionOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _responseTimeout = ToStopwatchTicks(options.ResponseTimeout);
    }

    public RedisClient(string connectionString, ILogger? logger = null)
        : this(RedisConnectionOptions.Parse(connectionString), logger)
    {
    }

    public RedisConnectionOptions Options => _options;

    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default)
    {
        var command = new RespCommandWriter(1);
        command.Add("PING"u8);
        var started = Stopwatch.GetTimestamp();
        await Execute(command.Complete(), RedisReplies.Ok, cancellationToken).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    public Task<string?> StringGetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var command = new RespCommandWriter(2);
        command.Add("GET"u8);
        command.Add(key);
        return Execute(command.Complete(), RedisReplies.NullableString, cancellationToken);
    }

    public Task<bool> StringSetAsync(string key, string value, TimeSpan? expiry = null, bool onlyIfNotExists = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (expiry is { } ttl)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(expiry));
        }

        var command = new RespCommandWriter(3 + (expiry is null ? 0 : 2) + (onlyIfNotExists ? 1 : 0));
        command.Add("SET"u8);
        command.Add(key);
        command.Add(value);
        if (expiry is { } time)
        {
            AddExpiry(ref command, time, "EX"u8, "PX"u8);
        }

        if (onlyIfNotExists)
        {
            command.Add("NX"u8);
        }

        return Execute(command.Complete(), RedisReplies.OkOrNull, cancellationToken);
    }

    public Task<long> StringIncrementAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var command = new RespCommandWriter(2);
        command.Add("INCR"u8);
        command.Add(key);
        return Execute(command.Complete(), RedisReplies.Integer, cancellationToken);
    }

    public Task<bool> KeyDeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var command = new RespCommandWriter(2);
        command.Add("DEL"u8);
        command.Add(key);
        return Execute(command.Complete(), RedisReplies.IntegerAsBool, cancellationToken);
    }

    public Task<long> KeyDeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfZero(keys.Count, nameof(keys));
        var command = new RespCommandWriter(1 + keys.Count);
        command.Add("DEL"u8);
        foreach (var key in keys)
        {
            command.Add(key);
        }

        return Execute(command.Complete(), RedisReplies.Integer, cancellationToken);
    }

    public Task<bool> KeyExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(expiry, TimeSpan.Zero);
        var wholeSeconds = expiry.Ticks % TimeSpan.TicksPerSecond == 0;
        var command = new RespCommandWriter(3);
        command.Add(wholeSeconds ? "EXPIRE"u8 : "PEXPIRE"u8);
        command.Add(key);
        command.Add(wholeSeconds ? (long)expiry.TotalSeconds : CeilingMilliseconds(expiry));
        return Execute(command.Complete(), RedisReplies.IntegerAsBool, cancellationToken);
    }

    public Task<string> StreamAddAsync(string key, IReadOnlyList<KeyValuePair<string, string>> fields, string id = "*", long? maxLength = null, bool approximateMaxLength = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentOutOfRangeException.ThrowIfZero(fields.Count, nameof(fields));
        if (maxLength is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(max, nameof(maxLength));
        }

        var trimArguments = maxLength is null ? 0 : approximateMaxLength ? 3 : 2;
        var command = new RespCommandWriter(3 + trimArguments + (2 * fields.Count));
        command.Add("XADD"u8);
        command.Add(key);
        if (maxLength is { } limit)
        {
            command.Add("MAXLEN"u8);
            if (approximateMaxLength)
            {
                command.Add("~"u8);
            }

            command.Add(limit);
        }

        command.Add(id);
        foreach (var (field, value) in fields)
        {
            command.Add(field);
            command.Add(value);
        }

        return Execute(command.Complete(), RedisReplies.String, cancellationToken);
    }

    public Task<IReadOnlyList<RedisStreamEntry>> StreamRangeAsync(string key, string start = "-", string end = "+", int? count = null, CancellationToken cancellationToken = default) =>
        StreamRange("XRANGE"u8, key, start, end, count, cancellationToken);

    public Task<IReadOnlyList<RedisStreamEntry>> StreamReverseRangeAsync(string key, string end = "+", string start = "-", int? count = null, CancellationToken cancellationToken = default) =>
        StreamRange("XREVRANGE"u8, key, end, start, count, cancellationToken);

    /// <summary>XRANGE or XREVRANGE: <paramref name="from"/> and <paramref name="to"/> in the command's own order.</summary>
    private Task<IReadOnlyList<RedisStreamEntry>> StreamRange(ReadOnlySpan<byte> verb, string key, string from, string to, int? count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(from);
        ArgumentException.ThrowIfNullOrEmpty(to);
        if (count is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(count));
        }

        var command = new RespCommandWriter(count is null ? 4 : 6);
        command.Add(verb);
        command.Add(key);
        command.Add(from);
        command.Add(to);
        if (count is { } n)
        {
            command.Add("COUNT"u8);
            command.Add(n);
        }

        return Execute(command.Complete(), RedisReplies.StreamEntries, cancellationToken);
    }

    public Task<IReadOnlyList<RedisStreamReadResult>> StreamReadAsync(IReadOnlyList<RedisStreamPosition> positions, int? count = null, TimeSpan? block = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(positions);
        ArgumentOutOfRangeException.ThrowIfZero(positions.Count, nameof(positions));
        if (count is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(count));
        }

        var blocking = block is { } wait && wait != TimeSpan.Zero;
        if (blocking && block!.Value < TimeSpan.Zero && block.Value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, "Block must be positive, zero (do not block) or Timeout.InfiniteTimeSpan.");
        }

        var command = new RespCommandWriter(2 + (count is null ? 0 : 2) + (blocking ? 2 : 0) + (2 * positions.Count));
        command.Add("XREAD"u8);
        if (count is { } n)
        {
            command.Add("COUNT"u8);
            command.Add(n);
        }

        long replyTimeout = _responseTimeout;
        if (blocking)
        {
            var infinite = block!.Value == Timeout.InfiniteTimeSpan;
            command.Add("BLOCK"u8);
            command.Add(infinite ? 0 : CeilingMilliseconds(block.Value));
            replyTimeout = infinite ? long.MaxValue : _responseTimeout + ToStopwatchTicks(block.Value);
        }

        command.Add("STREAMS"u8);
        foreach (var position in positions)
        {
            command.Add(position.Key);
        }

        foreach (var position in positions)
        {
            command.Add(position.AfterId);
        }

        return blocking
            ? ExecuteBlockingAsync(command.Complete(), RedisReplies.StreamReadResults, replyTimeout, cancellationToken)
            : Execute(command.Complete(), RedisReplies.StreamReadResults, cancellationToken);
    }

    /// <summary>Fails what is queued or in flight with <see cref="ObjectDisposedException"/> and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        RedisConnection? connection;
        IRedisRequest[] backlog;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
            _connection = null;
            backlog = [.. _backlog];
            _backlog.Clear();
        }

        // Not disposed afterwards: a reconnect loop that has not yet noticed may still read the token.
        await _disposeCts.CancelAsync().ConfigureAwait(false);
        foreach (var request in backlog)
        {
            request.SetFailure(new ObjectDisposedException(nameof(RedisClient)));
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var blocking in _blocking.Keys)
        {
            await blocking.DisposeAsync().ConfigureAwait(false);
        }

        await _reconnectLoop.ConfigureAwait(false);
    }

    /// <summary>Capped exponential backoff with jitter: the cap of attempt n is base·2ⁿ⁻¹; the delay is drawn from its upper half.</summary>
    internal static TimeSpan ReconnectDelay(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var ceiling = Math.Min(baseDelay.Ticks * (1L << exponent), maxDelay.Ticks);
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5))));
    }

    private static void AddExpiry(ref RespCommandWriter command, TimeSpan expiry, ReadOnlySpan<byte> seconds, ReadOnlySpan<byte> milliseconds)
    {
        if (expiry.Ticks % TimeSpan.TicksPerSecond == 0)
        {
            command.Add(seconds);
            command.Add((long)expiry.TotalSeconds);
        }
        else
        {
            command.Add(milliseconds);
            command.Add(CeilingMilliseconds(expiry));
        }
    }

    private static long CeilingMilliseconds(TimeSpan time) =>
        Math.Max(1, (time.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);

    private static long ToStopwatchTicks(TimeSpan time) =>
        (long)(time.TotalSeconds * Stopwatch.Frequency);

    private Task<T> Execute<T>(RespPayload payload, Func<RespValue, T> decode, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            payload.Return();
            return Task.FromCanceled<T>(cancellationToken);
        }

        var request = new RedisRequest<T>(payload, decode, _responseTimeout, cancellationToken);
        Send(request);
        return request.Task;
    }

    private void Send(IRedisRequest request)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is not null && connection.TrySend(request))
        {
            return;
        }

        Exception? rejection = null;
        var startReconnecting = false;
        lock (_gate)
        {
            if (_disposed)
            {
                rejection = new ObjectDisposedException(nameof(RedisClient));
            }
            else
            {
                connection = _connection;
                if (connection is not null && connection.TrySend(request))
                {
                    return;
                }

                // The connection failed under us; its failure callback may not have run yet.
                _connection = null;
                startReconnecting = BeginReconnecting();
                if (_connecting)
                {
                    // Sent, in order, once the attempt succeeds; failed with its error otherwise.
                    _backlog.Add(request);
                }
                else
                {
                    rejection = new RedisConnectionException(
                        $"No connection to Redis at {_options.EndPoint}; reconnecting in the background. Last attempt: {_lastError?.Message}",
                        _lastError);
                }
            }
        }

        if (startReconnecting)
        {
            _reconnectLoop = ReconnectLoopAsync();
        }

        if (rejection is not null)
        {
            request.SetFailure(rejection);
        }
    }

    /// <summary>Call under <see cref="_gate"/>. True when the caller must start the loop (outside the lock).</summary>
    private bool BeginReconnecting()
    {
        if (_reconnecting)
        {
            return false;
        }

        _reconnecting = true;
        _connecting = true;
        return true;
    }

    private void OnConnectionFailed(RedisConnection connection, Exception failure)
    {
        bool start;
        lock (_gate)
        {
            if (_disposed || _connection != connection)
            {
                return;
            }

            _connection = null;
            start = BeginReconnecting();
        }

        if (start)
        {
            _reconnectLoop = ReconnectLoopAsync();
        }
    }

    private async Task ReconnectLoopAsync()
    {
        // Callers start the loop from Send or a connection's failure path; never connect on their stack.
        await Task.Yield();
        for (var attempt = 1; ; attempt++)
        {
            RedisConnection? connection = null;
            Exception? error = null;
            try
            {
                connection = await RedisConnection.ConnectAsync(_options, _logger, _disposeCts.Token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                error = exception;
            }

            IRedisRequest[] orphaned;
            bool disposed, reconnected = false;
            lock (_gate)
            {
                disposed = _disposed;
                if (connection is not null && !disposed)
                {
                    var unsent = new List<IRedisRequest>();
                    foreach (var request in _backlog)
                    {
                        if (!connection.TrySend(request))
                        {
                            unsent.Add(request);
                        }
                    }

                    orphaned = [.. unsent];
                    reconnected = _everConnected;
                    _everConnected = true;
                    _connection = connection;
                    _lastError = null;
                }
                else
                {
                    orphaned = [.. _backlog];
                    if (error is not null)
                    {
                        _lastError = error;
                    }
                }

                _backlog.Clear();
                _connecting = false;
                _reconnecting = connection is null && !disposed;
            }

            if (connection is not null && !disposed)
            {
                FailAll(orphaned, new RedisConnectionException($"The connection to Redis at {_options.EndPoint} closed as it opened."));
                connection.SetFailureCallback(OnConnectionFailed);
                if (reconnected)
                {
                    _logger.Reconnected(_options.EndPoint, attempt);
                }
                else
                {
                    _logger.Connected(_options.EndPoint);
                }

                return;
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            FailAll(orphaned, disposed ? new ObjectDisposedException(nameof(RedisClient)) : error!);
            if (disposed)
            {
                return;
            }

            var delay = ReconnectDelay(attempt, _options.ReconnectBaseDelay, _options.ReconnectMaxDelay);
            _logger.ConnectAttemptFailed(_options.EndPoint, attempt, (long)delay.TotalMilliseconds, error!);
            try
            {
                await Task.Delay(delay, _disposeCts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            lock (_gate)
            {
                if (_disposed)
                {
                    _reconnecting = false;
                    return;
                }

                _connecting = true;
            }
        }
    }

    private static void FailAll(IRedisRequest[] requests, Exception failure)
    {
        foreach (var request in requests)
        {
            request.SetFailure(failure);
        }
    }

    private async Task<T> ExecuteBlockingAsync<T>(RespPayload payload, Func<RespValue, T> decode, long replyTimeout, CancellationToken cancellationToken)
    {
        RedisConnection connection;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            connection = await RentBlockingConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            payload.Return();
            throw;
        }

        var request = new RedisRequest<T>(payload, decode, replyTimeout, cancellationToken);
        if (!connection.TrySend(request))
        {
            request.SetFailure(new RedisConnectionException($"The connection to Redis at {_options.EndPoint} closed before the command was sent."));
        }

        try
        {
            var result = await request.Task.ConfigureAwait(false);
            await ReturnBlockingConnectionAsync(connection).ConfigureAwait(false);
            return result;
        }
        catch (RedisServerException)
        {
            await ReturnBlockingConnectionAsync(connection).ConfigureAwait(false);
            throw;
        }
        catch
        {
            // Cancelled mid-block the server is still blocked on this socket, and after a connection
            // error it is dead: either way it cannot be reused.
            await DiscardBlockingConnectionAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<RedisConnection> RentBlockingConnectionAsync(CancellationToken cancellationToken)
    {
        while (_idleBlocking.TryTake(out var idle))
        {
            if (idle.IsConnected)
            {
                return idle;
            }

            await DiscardBlockingConnectionAsync(idle).ConfigureAwait(false);
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
        RedisConnection connection;
        try
        {
            connection = await RedisConnection.ConnectAsync(_options, _logger, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposeCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(nameof(RedisClient));
        }

        _blocking.TryAdd(connection, 0);
        _logger.BlockingConnectionOpened(_options.EndPoint);
        if (_disposed)
        {
            await DiscardBlockingConnectionAsync(connection).ConfigureAwait(false);
            throw new ObjectDisposedException(nameof(RedisClient));
        }

        return connection;
    }

    private async ValueTask ReturnBlockingConnectionAsync(RedisConnection connection)
    {
        if (_disposed || !connection.IsConnected || _idleBlocking.Count >= MaxIdleBlockingConnections)
        {
            await DiscardBlockingConnectionAsync(connection).ConfigureAwait(false);
            return;
        }

        _idleBlocking.Add(connection);
    }

    private async ValueTask DiscardBlockingConnectionAsync(RedisConnection connection)
    {
        _blocking.TryRemove(connection, out _);
        await connection.DisposeAsync().ConfigureAwait(false);
    }
}
