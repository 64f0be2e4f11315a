using System.Diagnostics;
using Scrapbook.Redis.Protocol;

namespace Scrapbook.Redis;

/// <summary>A command on its way through a <see cref="RedisConnection"/>: encoded bytes out, one reply back.</summary>
internal interface IRedisRequest
{
    /// <summary>How long, in <see cref="Stopwatch"/> ticks, the reply may take once the command is written.</summary>
    long ReplyTimeout { get; }

    /// <summary>Set by the write loop when the command is handed to the socket.</summary>
    long Deadline { get; set; }

    /// <summary>
    /// Takes the encoded bytes for writing. False when the caller has already given up (cancelled)
    /// or the request has failed: then nothing is sent and no reply is expected.
    /// </summary>
    bool TryTakePayload(out RespPayload payload);

    void SetReply(in RespValue reply);

    void SetFailure(Exception exception);
}

/// <summary>
/// The request is its own <see cref="TaskCompletionSource{TResult}"/> so a command costs one object
/// besides its task. Continuations run asynchronously: a caller's code never runs on the read loop.
/// </summary>
internal sealed class RedisRequest<T> : TaskCompletionSource<T>, IRedisRequest
{
    private readonly Func<RespValue, T> _decode;
    private readonly CancellationTokenRegistration _cancellation;
    private RespPayload _payload;
    private int _payloadTaken;

    public RedisRequest(RespPayload payload, Func<RespValue, T> decode, long replyTimeout, CancellationToken cancellationToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        _payload = payload;
        _decode = decode;
        ReplyTimeout = replyTimeout;
        if (cancellationToken.CanBeCanceled)
        {
            // A command already written cannot be taken back; cancelling only stops the wait.
            // Its reply still arrives and is discarded, which keeps the FIFO matching intact.
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((RedisRequest<T>)state!).TrySetCanceled(token), this);
        }
    }

    public long ReplyTimeout { get; }

    public long Deadline { get; set; }

    public bool TryTakePayload(out RespPayload payload)
    {
        if (Task.IsCompleted || Interlocked.Exchange(ref _payloadTaken, 1) != 0)
        {
            // Cancelled before it was written: give the buffer back, nothing goes on the wire.
            ReturnPayload();
            payload = default;
            return false;
        }

        payload = _payload;
        _payload = default;
        return true;
    }

    public void SetReply(in RespValue reply)
    {
        if (reply.Type == RespType.Error)
        {
            TrySetException(new RedisServerException(reply.Text!));
        }
        else
        {
            T result;
            try
            {
                result = _decode(reply);
            }
            catch (RedisException exception)
            {
                TrySetException(exception);
                _cancellation.Unregister();
                return;
            }

            TrySetResult(result);
        }

        _cancellation.Unregister();
    }

    public void SetFailure(Exception exception)
    {
        ReturnPayload();
        TrySetException(exception);
        _cancellation.Unregister();
    }

    private void ReturnPayload()
    {
        if (Interlocked.Exchange(ref _payloadTaken, 1) == 0)
        {
            _payload.Return();
            _payload = default;
        }
    }
}
