namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// Whom an owner token acts for. A token paired to an owner acts for that owner; a revoked one for nobody; any other
/// token for the owner whose id is its own hash (how every token worked before devices existed). Every service asks
/// through this, so a revocation reaches all of them (docs/architecture.md, "Devices").
/// </summary>
public interface IOwnerResolver
{
    /// <summary>
    /// The owner id the token with <paramref name="tokenHash"/> acts for, or null when it was revoked. Throws
    /// <see cref="OwnerResolutionUnavailableException"/> when that cannot be told now.
    /// </summary>
    ValueTask<string?> ResolveAsync(string tokenHash, CancellationToken cancellationToken = default);
}

/// <summary>
/// Where the resolver reads a token's owner when it has no fresh answer: Gallery.Api's database there, Gallery.Api's
/// internal endpoint elsewhere. Always the current answer, never a cached one.
/// </summary>
public interface IOwnerTokenSource
{
    /// <inheritdoc cref="IOwnerResolver.ResolveAsync"/>
    Task<string?> FindOwnerAsync(string tokenHash, CancellationToken cancellationToken = default);
}

/// <summary>
/// Whom a token acts for cannot be told now (Gallery.Api or its database unreachable, nothing cached). Answered 503
/// with <c>Retry-After</c>: treating the token as some other owner meanwhile would show them someone else's view.
/// </summary>
public sealed class OwnerResolutionUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>What the 503 answer's <c>Retry-After</c> says.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
}
