using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Scrapbook.Client;

/// <summary>Makes the generated <see cref="ScrapbookApiClient"/> for a Scrapbook site, signed in as an owner or not.</summary>
public static class ScrapbookClientFactory
{
    /// <summary>
    /// A client for every operation of the site at <paramref name="http"/>'s <see cref="HttpClient.BaseAddress"/>. With an
    /// <paramref name="ownerToken"/> (from <c>POST /api/session</c>), requests carry it as a bearer token, to that site only.
    /// </summary>
    public static ScrapbookApiClient Create(HttpClient http, string? ownerToken = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var site = http.BaseAddress ?? throw new ArgumentException("The HttpClient needs a BaseAddress: the site's address.", nameof(http));
        IAuthenticationProvider authentication = ownerToken is null
            ? new AnonymousAuthenticationProvider()
            : new BaseBearerTokenAuthenticationProvider(new OwnerTokenProvider(ownerToken, site.Host));
        var adapter = new HttpClientRequestAdapter(authentication, httpClient: http)
        {
            BaseUrl = site.GetLeftPart(UriPartial.Authority),
        };
        return new ScrapbookApiClient(adapter);
    }

    private sealed class OwnerTokenProvider(string token, string host) : IAccessTokenProvider
    {
        public AllowedHostsValidator AllowedHostsValidator { get; } = new([host]);

        public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(AllowedHostsValidator.IsUrlHostValid(uri) ? token : string.Empty);
    }
}
