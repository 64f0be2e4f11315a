namespace Scrapbook.Redis;

public static class RedisClientExtensions
{
    /// <summary>XREAD of one stream: the entries after <paramref name="afterId"/>, empty when <paramref name="block"/> ran out.</summary>
    public static async Task<IReadOnlyList<RedisStreamEntry>> StreamReadAsync(
        this IRedisClient client,
        string key,
        string afterId,
        int? count = null,
        TimeSpan? block = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var results = await client.StreamReadAsync([new RedisStreamPosition(key, afterId)], count, block, cancellationToken).ConfigureAwait(false);
        return results.Count == 0 ? [] : results[0].Entries;
    }
}
