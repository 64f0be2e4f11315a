using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// Identity without accounts. An owner token is 256 random bits, base64url without padding,
/// carried in the <see cref="CookieName"/> cookie (browsers) or an <c>Authorization: Bearer</c> header (apps, the
/// extension). Only its hash — the lowercase hex SHA-256 of the token's text — is ever stored; the hash of an owner's
/// first token is their owner id.
/// </summary>
public static class OwnerToken
{
    public const string CookieName = "sb_owner";

    private const int TokenBytes = 32;

    // Tokens we did not issue are accepted when they carry at least 128 bits; the upper bound only keeps
    // hashing cheap for garbage input.
    private const int MinimumTokenBytes = 16;
    private const int MaximumTokenLength = 256;

    private static readonly SearchValues<char> s_base64UrlAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>A new token: 256 bits from the OS's CSPRNG, base64url without padding (43 characters).</summary>
    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));

    /// <summary>
    /// The token the request carries: the bearer token when an <c>Authorization: Bearer</c> header is present,
    /// otherwise the <see cref="CookieName"/> cookie. Null when absent or malformed; never throws for bad input.
    /// </summary>
    public static string? Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        // An explicit header is the client's choice; a malformed one is not silently swapped for the cookie.
        if (TryReadBearer(request, out var bearer))
        {
            return IsWellFormed(bearer) ? bearer : null;
        }

        return request.Cookies.TryGetValue(CookieName, out var cookie) && IsWellFormed(cookie) ? cookie : null;
    }

    /// <summary>The hash of the request's token (see <see cref="Read"/>), or null when it has none.</summary>
    public static string? GetTokenHash(HttpRequest request) => Read(request) is { } token ? ComputeHash(token) : null;

    /// <inheritdoc cref="GetTokenHash(HttpRequest)"/>
    public static string? GetTokenHash(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return GetTokenHash(context.Request);
    }

    /// <summary>
    /// A token's hash: lowercase hex SHA-256 of its text; null when the token is malformed. The hash of the token an owner
    /// began with is their owner id; a token paired to an owner later resolves to theirs (<c>IOwnerResolver</c>).
    /// </summary>
    public static string? ComputeHash(string? token) =>
        IsWellFormed(token) ? SecretHash.Of(token) : null;

    /// <summary>Sets the <see cref="CookieName"/> cookie: HttpOnly, SameSite=Lax, Secure over HTTPS, for 400 days.</summary>
    public static void AppendCookie(HttpResponse response, string token)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!IsWellFormed(token))
        {
            throw new ArgumentException("Not an owner token.", nameof(token));
        }

        response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = response.HttpContext.Request.IsHttps,
            Path = "/",
            IsEssential = true,
            // Browsers cap cookie lifetimes at 400 days.
            MaxAge = TimeSpan.FromDays(400),
        });
    }

    /// <summary>True when <paramref name="token"/> is base64url text (no padding) of at least 128 bits.</summary>
    public static bool IsWellFormed([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? token) =>
        token is { Length: > 0 and <= MaximumTokenLength }
        && !token.AsSpan().ContainsAnyExcept(s_base64UrlAlphabet)
        && Base64Url.IsValid(token, out var decodedLength)
        && decodedLength >= MinimumTokenBytes;

    private static bool TryReadBearer(HttpRequest request, out string token)
    {
        token = "";
        if (request.Headers.Authorization is not [{ } header])
        {
            return false;
        }

        var value = header.AsSpan().Trim();
        const string scheme = "Bearer";
        if (value.Length < scheme.Length || !value[..scheme.Length].Equals(scheme, StringComparison.OrdinalIgnoreCase)
            || (value.Length > scheme.Length && value[scheme.Length] != ' '))
        {
            return false;
        }

        token = value[scheme.Length..].Trim().ToString();
        return true;
    }
}
