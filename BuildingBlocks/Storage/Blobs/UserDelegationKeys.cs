using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Scrapbook.Storage;

/// <summary>
/// The user-delegation key that signs SAS URLs when the store authenticates with Entra ID (no account key). One key is
/// fetched per <see cref="KeyLifetime"/> and shared: the service allows a key to live up to 7 days, and every SAS must
/// expire before the key that signed it, so a key is replaced once fewer than <see cref="MinimumRemaining"/> are left.
/// </summary>
internal sealed class UserDelegationKeys(BlobServiceClient service)
{
    internal static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(6);

    internal static readonly TimeSpan MinimumRemaining = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private UserDelegationKey? _current;

    /// <summary>A key valid at least until <paramref name="until"/>.</summary>
    public async Task<UserDelegationKey> GetAsync(DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (Usable(_current, until) is { } key)
        {
            return key;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable(_current, until) is { } fetched)
            {
                return fetched;
            }

            // Starts a few minutes back: a storage front end whose clock is behind ours still accepts it.
            var now = DateTimeOffset.UtcNow;
            var expiresOn = Max(now + KeyLifetime, until + MinimumRemaining);
            _current = (await service.GetUserDelegationKeyAsync(now.AddMinutes(-5), expiresOn, cancellationToken).ConfigureAwait(false)).Value;
            return _current;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static UserDelegationKey? Usable(UserDelegationKey? key, DateTimeOffset until) =>
        key is not null && key.SignedExpiresOn - until >= MinimumRemaining ? key : null;
}
