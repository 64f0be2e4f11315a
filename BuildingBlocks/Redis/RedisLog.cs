using Microsoft.Extensions.Logging;

namespace Scrapbook.Redis;

internal static partial class RedisLog
{
    [LoggerMessage(1, LogLevel.Information, "Connected to Redis at {EndPoint}")]
    public static partial void Connected(this ILogger logger, string endPoint);

    [LoggerMessage(2, LogLevel.Warning, "Lost the connection to Redis at {EndPoint}; failing {PendingCount} in-flight command(s)")]
    public static partial void ConnectionLost(this ILogger logger, string endPoint, int pendingCount, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Connecting to Redis at {EndPoint} failed (attempt {Attempt}); next attempt in {DelayMs} ms")]
    public static partial void ConnectAttemptFailed(this ILogger logger, string endPoint, int attempt, long delayMs, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "Reconnected to Redis at {EndPoint} after {Attempts} attempt(s)")]
    public static partial void Reconnected(this ILogger logger, string endPoint, int attempts);

    [LoggerMessage(5, LogLevel.Debug, "Opened a dedicated connection to Redis at {EndPoint} for blocking reads")]
    public static partial void BlockingConnectionOpened(this ILogger logger, string endPoint);
}
