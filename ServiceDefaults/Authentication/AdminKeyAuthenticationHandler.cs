using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Scrapbook.ServiceDefaults.Authentication;

/// <summary>Configuration section <c>Admin</c>. No key configured means no admin at all.</summary>
public sealed class AdminKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    public const string SectionName = "Admin";

    public const string HeaderName = "X-Admin-Key";

    public string? Key { get; set; }
}

/// <summary>
/// The admin key in <c>X-Admin-Key</c>. Absent (or empty) proves nothing; present but not the configured key (or no key
/// configured) is a failure, which the services answer 403 rather than 401: the caller did say who they claim to be.
/// </summary>
internal sealed class AdminKeyAuthenticationHandler(IOptionsMonitor<AdminKeyAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AdminKeyAuthenticationOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!IsPresented(Request, out var presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (string.IsNullOrEmpty(Options.Key) || !Matches(Options.Key, presented))
        {
            return Task.FromResult(AuthenticateResult.Fail("The admin key is not valid."));
        }

        var identity = new ClaimsIdentity([new Claim(ScrapbookClaims.Admin, "true")], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <summary>Whether the request carries one non-empty <c>X-Admin-Key</c>.</summary>
    internal static bool IsPresented(HttpRequest request, out string presented)
    {
        presented = request.Headers[AdminKeyAuthenticationOptions.HeaderName] is [{ Length: > 0 } value] ? value : "";
        return presented.Length > 0;
    }

    private static bool Matches(string configured, string presented)
    {
        // Hashing first gives equal lengths, so the comparison's time says nothing about the key.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(configured));
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
