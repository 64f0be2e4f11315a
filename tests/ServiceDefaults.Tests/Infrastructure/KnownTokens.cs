using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// Whom tokens act for, as the tests set it: a token's own hash unless it was paired to another owner, revoked, or made
/// unanswerable. The real resolvers are tested against Gallery.Api's database and over HTTP (Gallery.Api and Services tests);
/// this one isolates what the authentication scheme does with each answer.
/// </summary>
internal sealed class KnownTokens : IOwnerResolver
{
    private readonly Dictionary<string, string?> _owners = [];
    private readonly HashSet<string> _unanswerable = [];

    public void Pair(string token, string ownerId) => _owners[OwnerToken.ComputeHash(token)!] = ownerId;

    public void Revoke(string token) => _owners[OwnerToken.ComputeHash(token)!] = null;

    public void MakeUnanswerable(string token) => _unanswerable.Add(OwnerToken.ComputeHash(token)!);

    public ValueTask<string?> ResolveAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        _unanswerable.Contains(tokenHash)
            ? throw new OwnerResolutionUnavailableException("The tests made this token unanswerable.")
            : ValueTask.FromResult(_owners.TryGetValue(tokenHash, out var owner) ? owner : tokenHash);
}
