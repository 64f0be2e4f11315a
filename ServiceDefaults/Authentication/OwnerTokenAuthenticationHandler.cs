using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// Identity without accounts: a request carrying a well-formed owner token (see <see cref="OwnerToken.Read"/>) is the
/// owner <see cref="IOwnerResolver"/> says the token acts for. No token proves nothing (never a failure): the endpoint's
/// policy decides whether that is enough. A revoked token is a failure, answered 401 where an owner is required; when
/// the owner cannot be told, <see cref="OwnerResolutionUnavailableException"/> becomes a 503.
/// </summary>
internal sealed class OwnerTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOwnerResolver resolver)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (OwnerToken.GetTokenHash(Request) is not { } tokenHash)
        {
            return AuthenticateResult.NoResult();
        }

        if (await resolver.ResolveAsync(tokenHash, Context.RequestAborted) is not { } ownerId)
        {
            return AuthenticateResult.Fail("This owner token was revoked.");
        }

        var identity = new ClaimsIdentity([new Claim(ScrapbookClaims.OwnerId, ownerId), new Claim(ScrapbookClaims.TokenHash, tokenHash)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
