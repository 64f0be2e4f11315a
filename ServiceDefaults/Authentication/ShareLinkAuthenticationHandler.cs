using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>What a share link's token grants, or <c>null</c> when it does not work (unknown, expired, revoked: one answer).</summary>
public interface IShareLinkResolver
{
    /// <exception cref="HttpRequestException">Whoever keeps the links could not be asked.</exception>
    Task<ShareLinkGrant?> ResolveAsync(string token, CancellationToken cancellationToken);
}

/// <summary>
/// The share-link scheme: a guest link is its own authorization, beside the owner token and the admin key. The token is
/// the <c>{token}</c> of the route (<c>/api/shared/{token}/…</c>), asked about each time (nothing cached, so revoking a
/// link stops it at once). A request whose route has no token proves nothing; one whose link does not work fails,
/// which <see cref="ProblemAuthorizationResultHandler"/> answers 404 without saying why.
/// </summary>
internal sealed class ShareLinkAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IShareLinkResolver resolver)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The route value that carries the token.</summary>
    public const string RouteValueName = "token";

    private static readonly object s_unavailableKey = new();

    /// <summary>Whether the request failed because the links could not be looked up (a 503, not a 404).</summary>
    internal static bool WasUnavailable(HttpContext context) => context.Items.ContainsKey(s_unavailableKey);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.RouteValues[RouteValueName] is not string { Length: > 0 } token)
        {
            return AuthenticateResult.NoResult();
        }

        // What cannot be a link is not worth a round trip: the same failure as a link that does not work.
        if (!ShareLinkTokens.IsWellFormed(token))
        {
            return AuthenticateResult.Fail("This link does not work.");
        }

        ShareLinkGrant? grant;
        try
        {
            grant = await resolver.ResolveAsync(token, Context.RequestAborted);
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutException
            || (exception is OperationCanceledException && !Context.RequestAborted.IsCancellationRequested))
        {
            Context.Items[s_unavailableKey] = true;
            return AuthenticateResult.Fail(exception);
        }

        if (grant is null)
        {
            return AuthenticateResult.Fail("This link does not work.");
        }

        List<Claim> claims = [new(ScrapbookClaims.ShareLink, grant.LinkId.ToString("D"))];
        if (grant.AlbumId is { } albumId)
        {
            claims.Add(new(ScrapbookClaims.SharedAlbum, albumId.ToString("D")));
        }

        if (grant.AllowUploads)
        {
            claims.Add(new(ScrapbookClaims.ShareUploads, "true"));
        }

        var identity = new ClaimsIdentity(claims, Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}

/// <summary>Asks Gallery.Api, which keeps the links (<c>POST /internal/shared-links/resolve</c>; the token in the body, not the address).</summary>
internal sealed class GalleryShareLinkResolver(HttpClient http) : IShareLinkResolver
{
    public async Task<ShareLinkGrant?> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync(
            "/internal/shared-links/resolve", new ShareLinkResolveRequest(token), ContractsJsonContext.Default.ShareLinkResolveRequest, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Gallery.Api answered {(int)response.StatusCode} to a share link lookup.", null, response.StatusCode);
        }

        return await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkGrant, cancellationToken);
    }
}
