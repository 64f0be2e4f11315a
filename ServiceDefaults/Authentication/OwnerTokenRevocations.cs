using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// Revocations reach every replica of every service through the Redis channel <see cref="Channel"/>: whoever revokes a
/// token announces it, and each listener drops all its cached answers. Pub/sub delivers only to those connected, so a
/// listener that reconnects drops its answers as well: it may have missed an announcement while it was away.
/// </summary>
public sealed partial class OwnerTokenRevocations : IHostedService
{
    public const string Channel = "scrapbook:owner-tokens:revoked";

    private readonly CachedOwnerResolver _resolver;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<OwnerTokenRevocations> _logger;
    private int _subscribed;

    internal OwnerTokenRevocations(CachedOwnerResolver resolver, IConnectionMultiplexer redis, ILogger<OwnerTokenRevocations> logger)
    {
        _resolver = resolver;
        _redis = redis;
        _logger = logger;
    }

    /// <summary>
    /// Tells every service that a token stopped working. This process forgets its answers at once; the others when the
    /// announcement reaches them, or after <see cref="OwnerTokenOptions.CacheDuration"/> when Redis cannot carry it.
    /// </summary>
    public async Task AnnounceAsync(string ownerId, CancellationToken cancellationToken = default)
    {
        _resolver.Invalidate();
        try
        {
            await _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Channel), ownerId).WaitAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            LogAnnounceFailed(_logger, exception);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored += OnConnectionRestored;
        await SubscribeAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        return Task.CompletedTask;
    }

    private async Task SubscribeAsync()
    {
        if (Volatile.Read(ref _subscribed) == 1)
        {
            return;
        }

        try
        {
            await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channel), (_, _) => _resolver.Invalidate());
            Volatile.Write(ref _subscribed, 1);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // Redis is down at start: answers live their cache duration until it is back, then this runs again.
            LogSubscribeFailed(_logger, exception);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        _resolver.Invalidate();
        _ = SubscribeAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce a revoked owner token on Redis; other services stop accepting it when their cached answers expire")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to owner-token revocations on Redis; trying again when it reconnects")]
    private static partial void LogSubscribeFailed(ILogger logger, Exception exception);
}
