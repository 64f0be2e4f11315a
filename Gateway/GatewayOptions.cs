using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace Scrapbook.Gateway;

/// <summary>
/// The <c>Gateway</c> configuration section: what the gateway adds around YARP's routes (the <c>ReverseProxy</c>
/// section): the default body limit, CORS origins, trusted proxies and the upload rate limit.
/// </summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string SectionName = "Gateway";

    /// <summary>Largest request body, in bytes, on every route that does not set its own <c>MaxRequestBodySize</c>.</summary>
    [Range(0, long.MaxValue)]
    public long MaxRequestBodySize { get; set; } = 64 * 1024;

    public CorsOptions Cors { get; set; } = new();

    public UploadRateLimitOptions UploadRateLimit { get; set; } = new();

    public SharedLinkRateLimitOptions SharedLinkRateLimit { get; set; } = new();

    public PairingRateLimitOptions PairingRateLimit { get; set; } = new();

    /// <summary>
    /// Addresses or networks (<c>10.0.0.0/8</c>) of proxies in front of the gateway (a cloud ingress) whose
    /// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> are believed when they are the TCP peer. Empty by default:
    /// the gateway is the public entry, and what a client writes in those headers is never believed.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies)
        {
            if (!TryParseNetwork(proxy, out _))
            {
                yield return new ValidationResult($"Gateway:TrustedProxies '{proxy}' is neither an IP address nor a network like 10.0.0.0/8.");
            }
        }
    }

    /// <summary>A network (<c>10.0.0.0/8</c>) or one address (<c>10.0.0.7</c>, a network of one).</summary>
    internal static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (text.Contains('/', StringComparison.Ordinal))
        {
            return IPNetwork.TryParse(text, out network);
        }

        if (!IPAddress.TryParse(text, out var address))
        {
            network = default;
            return false;
        }

        network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);
        return true;
    }
}

internal sealed class CorsOptions
{
    /// <summary>Origins allowed to call the API from a browser (the extension, mobile web); none by default.</summary>
    public List<string> Origins { get; set; } = [];
}

/// <summary>
/// Uploads per <see cref="Window"/> on routes with the <c>uploads</c> rate limiter policy: per client address whatever
/// the owner tokens, and per owner wherever they connect from (see <see cref="Proxy.RateLimits"/>).
/// </summary>
internal sealed class UploadRateLimitOptions
{
    /// <summary>Uploads one owner may start per window.</summary>
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 60;

    /// <summary>
    /// Uploads one client address (an IPv6 /64) may start per window, whichever owner tokens it sends. Ten owners'
    /// worth by default: guests at one venue often share its NAT address.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int ClientAddressPermitLimit { get; set; } = 600;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Requests per <see cref="Window"/> to share links (<c>/s/{token}</c> pages and <c>/api/shared/**</c>) from one client
/// address, shared by every link it asks for: the tokens carry 256 random bits, so this is a second fence against guessing,
/// and generous enough for someone paging through a big album.
/// </summary>
internal sealed class SharedLinkRateLimitOptions
{
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 300;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Pairing-code redemptions (<c>POST /api/pairing</c>) per <see cref="Window"/> from one client address. Codes are short
/// enough to type, so this is the first fence against guessing (Gallery.Api's per-code attempt limit the second); a person
/// who mistypes a code a few times stays well inside it.
/// </summary>
internal sealed class PairingRateLimitOptions
{
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 10;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}
