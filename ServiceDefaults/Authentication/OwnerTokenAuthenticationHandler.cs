using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>
/// Identity without accounts: a request carrying a well-formed owner token (see <see cref="OwnerToken.Read"/>) is that
/// owner. Anything else proves nothing (never a failure): the endpoint's policy decides whether that is enough.
/// </summary>
internal sealed class OwnerTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (OwnerToken.GetOwnerId(Request) is not { } ownerId)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity([new Claim(ScrapbookClaims.OwnerId, ownerId)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }
}
