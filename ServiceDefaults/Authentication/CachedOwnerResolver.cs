using System.ComponentModel;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// <c>OwnerTokens</c> configuration: how long a service trusts what it last heard about a token. Revocations are
/// announced on Redis and drop every cached answer at once; this bounds how stale an answer can be when Redis is down.
/// </summary>
public sealed class OwnerTokenOptions
{
    public const string SectionName = "OwnerTokens";

    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Resolves tokens through HybridCache over the <see cref="IOwnerTokenSource"/>: concurrent requests with one token ask the
/// source once, and later ones are answered from memory for <see cref="OwnerTokenOptions.CacheDuration"/>.
/// </summary>
/// <remarks>
/// Cache keys carry a generation that <see cref="Invalidate"/> advances: a revocation (or a Redis reconnect, after which
/// announcements may have been missed) makes every earlier answer unreachable in one step. A lookup that was already on its
/// way when the generation moved stores its answer under the old key, where nothing reads it, so a stale "still
/// the owner" can never land after the revocation that made it stale.
/// </remarks>
internal sealed class CachedOwnerResolver(HybridCache cache, IOwnerTokenSource source, IOptions<OwnerTokenOptions> options) : IOwnerResolver
{
    private readonly HybridCacheEntryOptions _entry = new()
    {
        Expiration = options.Value.CacheDuration,
        LocalCacheExpiration = options.Value.CacheDuration,
        // In-process only: the point of a cached answer is that it costs no network trip.
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private long _generation;

    public async ValueTask<string?> ResolveAsync(string tokenHash, CancellationToken cancellationToken = default)
    {
        var key = string.Concat("owner-token:", Volatile.Read(ref _generation).ToString(System.Globalization.CultureInfo.InvariantCulture), ":", tokenHash);
        var answer = await cache.GetOrCreateAsync(
            key,
            (source, tokenHash),
            static async (state, cancellationToken) => new Answer(await state.source.FindOwnerAsync(state.tokenHash, cancellationToken)),
            _entry,
            cancellationToken: cancellationToken);
        return answer.OwnerId;
    }

    /// <summary>Forgets every answer given so far.</summary>
    public void Invalidate() => Interlocked.Increment(ref _generation);

    /// <summary>Immutable, so HybridCache hands the same instance to every reader instead of copying it.</summary>
    [ImmutableObject(true)]
    private sealed record Answer(string? OwnerId);
}
