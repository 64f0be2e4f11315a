namespace Scrapbook.Redis;

/// <summary>
/// The Redis commands Scrapbook uses. Names follow StackExchange.Redis's IDatabase so an adapter over
/// Aspire.StackExchange.Redis could stand in for <see cref="RedisClient"/> without touching callers.
/// Every method is safe to call concurrently. Failures: <see cref="RedisServerException"/> for an error
/// reply, <see cref="RedisConnectionException"/> when there was no usable connection (never retried silently).
/// </summary>
public interface IRedisClient
{
    /// <summary>PING; returns the round-trip time.</summary>
    Task<TimeSpan> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>GET; null when the key does not exist.</summary>
    Task<string?> StringGetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// SET, with <c>EX</c>/<c>PX</c> when <paramref name="expiry"/> is given and <c>NX</c> when
    /// <paramref name="onlyIfNotExists"/>. Returns false only when NX found the key already set.
    /// </summary>
    Task<bool> StringSetAsync(string key, string value, TimeSpan? expiry = null, bool onlyIfNotExists = false, CancellationToken cancellationToken = default);

    /// <summary>INCR; returns the value after the increment.</summary>
    Task<long> StringIncrementAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>DEL; true when the key existed.</summary>
    Task<bool> KeyDeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>DEL of several keys; returns how many existed.</summary>
    Task<long> KeyDeleteAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default);

    /// <summary>EXPIRE (or PEXPIRE for sub-second precision); false when the key does not exist.</summary>
    Task<bool> KeyExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default);

    /// <summary>
    /// XADD with <paramref name="id"/> (<c>*</c> lets Redis choose) and, when <paramref name="maxLength"/> is
    /// given, <c>MAXLEN ~ n</c> (or exact <c>MAXLEN n</c> when <paramref name="approximateMaxLength"/> is false).
    /// Returns the id of the new entry.
    /// </summary>
    Task<string> StreamAddAsync(string key, IReadOnlyList<KeyValuePair<string, string>> fields, string id = "*", long? maxLength = null, bool approximateMaxLength = true, CancellationToken cancellationToken = default);

    /// <summary>XRANGE from <paramref name="start"/> to <paramref name="end"/> inclusive (<c>-</c>/<c>+</c> for the ends), at most <paramref name="count"/> entries.</summary>
    Task<IReadOnlyList<RedisStreamEntry>> StreamRangeAsync(string key, string start = "-", string end = "+", int? count = null, CancellationToken cancellationToken = default);

    /// <summary>XREVRANGE: entries from <paramref name="end"/> down to <paramref name="start"/> inclusive, newest first, at most <paramref name="count"/>.</summary>
    Task<IReadOnlyList<RedisStreamEntry>> StreamReverseRangeAsync(string key, string end = "+", string start = "-", int? count = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// XREAD of entries after each position. With <paramref name="block"/> (positive, or
    /// <see cref="Timeout.InfiniteTimeSpan"/> for no limit) it is <c>XREAD BLOCK</c> and runs on a dedicated
    /// connection so other commands never queue behind it. Returns only streams that had entries; empty
    /// when the block time ran out.
    /// </summary>
    Task<IReadOnlyList<RedisStreamReadResult>> StreamReadAsync(IReadOnlyList<RedisStreamPosition> positions, int? count = null, TimeSpan? block = null, CancellationToken cancellationToken = default);
}
