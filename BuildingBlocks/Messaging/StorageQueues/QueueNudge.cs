using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scrapbook.Messaging;

/// <summary>
/// Wakes receivers waiting on an empty Storage queue when a job is sent, over Redis pub/sub on <c>scrapbook:jobs:{queue}</c>.
/// Storage Queues have no long poll; without this a waiting receiver would only see a new job at its next poll. Every subscribed
/// process wakes and looks; the queue hands the message to one of them. Best effort: without Redis, or while it is down, nothing
/// is published and nothing wakes, and the receive loop's backing-off poll delivers instead.
/// </summary>
internal sealed partial class QueueNudge : IAsyncDisposable
{
    /// <summary>How long a receive waits for the first subscription before it looks anyway (the poll covers the gap).</summary>
    private static readonly TimeSpan s_subscribeWait = TimeSpan.FromSeconds(1);

    private readonly IConnectionMultiplexer? _redis;
    private readonly string _queueName;
    private readonly RedisChannel _channel;
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = NewSource();
    private Task<bool>? _subscription;
    private bool _disposed;

    public QueueNudge(IConnectionMultiplexer? redis, string queueName, ILogger logger)
    {
        _redis = redis;
        _queueName = queueName;
        _channel = RedisChannel.Literal(ChannelName(queueName));
        _handler = (_, _) => Wake();
        _logger = logger;
    }

    public static string ChannelName(string queueName) => $"scrapbook:jobs:{queueName}";

    /// <summary>
    /// Completes at the next nudge. Take it before looking at the queue, then wait on it: a job sent while the look is under way
    /// completes this task, so the wait ends at once instead of missing the wake-up.
    /// </summary>
    public Task Next => Volatile.Read(ref _next).Task;

    /// <summary>
    /// Subscribes once, lazily; again after a failed attempt, as soon as Redis is connected. Waits a short while for a subscription
    /// under way, so a job sent right after a receive begins wakes it.
    /// </summary>
    public async Task EnsureSubscribedAsync(CancellationToken cancellationToken = default)
    {
        if (_redis is null)
        {
            return;
        }

        Task<bool> subscription;
        lock (_gate)
        {
            if (_subscription is null or { IsCompletedSuccessfully: true, Result: false })
            {
                if (!_redis.IsConnected)
                {
                    return;
                }

                _subscription = SubscribeAsync(_redis);
            }

            subscription = _subscription;
        }

        if (!subscription.IsCompleted)
        {
            await ((Task)subscription).WaitAsync(s_subscribeWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Tells waiting receivers a job was sent. Not awaited: the job is already in the queue, and a Redis that is down must not hold up
    /// the sender (StackExchange.Redis would keep the command until its timeout). A failure is logged.
    /// </summary>
    public void Publish()
    {
        if (_redis is null)
        {
            return;
        }

        if (!_redis.IsConnected)
        {
            LogNotPublished(_logger, _queueName);
            return;
        }

        _ = PublishAsync(_redis);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered keyed and unkeyed, the queue is disposed twice by the container.
        Task<bool>? subscription;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            subscription = _subscription;
            _subscription = Task.FromResult(true); // No new subscription after this.
        }

        if (_redis is not null && subscription is not null && await subscription.ConfigureAwait(false))
        {
            try
            {
                await _redis.GetSubscriber().UnsubscribeAsync(_channel, _handler).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                LogUnsubscribeFailed(_logger, ex, _queueName);
            }
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Replace, then complete: a receiver that takes Next after the swap waits for the following nudge, one that took it before wakes now.
    private void Wake() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private async Task<bool> SubscribeAsync(IConnectionMultiplexer redis)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(_channel, _handler).ConfigureAwait(false);
            LogSubscribed(_logger, _channel.ToString(), _queueName);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogSubscribeFailed(_logger, ex, _channel.ToString(), _queueName);
            return false;
        }
    }

    private async Task PublishAsync(IConnectionMultiplexer redis)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, RedisValue.EmptyString).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogPublishFailed(_logger, ex, _channel.ToString(), _queueName);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to {Channel}: receivers on queue {Queue} wake when a job is sent")]
    private static partial void LogSubscribed(ILogger logger, string channel, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to {Channel}; receivers on queue {Queue} fall back to polling until Redis answers")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception, string channel, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish to {Channel}; the job is in queue {Queue} and receivers will find it at their next poll")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string channel, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Redis is not connected: no nudge for the job sent to queue {Queue}; receivers will find it at their next poll")]
    private static partial void LogNotPublished(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not unsubscribe receivers on queue {Queue} from Redis")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception exception, string queue);
}
