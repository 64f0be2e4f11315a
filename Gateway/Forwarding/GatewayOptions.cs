using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>The <c>Gateway</c> configuration section: routes, CORS origins and the upload rate limit.</summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string SectionName = "Gateway";

    [Required, MinLength(1)]
    public List<RouteOptions> Routes { get; set; } = [];

    public CorsOptions Cors { get; set; } = new();

    public UploadRateLimitOptions UploadRateLimit { get; set; } = new();

    /// <summary>
    /// Addresses or networks (<c>10.0.0.0/8</c>) of proxies in front of the gateway (a cloud ingress) whose
    /// <c>X-Forwarded-For</c> is believed when they are the TCP peer. Empty by default: the gateway is the public
    /// entry, and a client-written <c>X-Forwarded-For</c> is never believed.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var route in Routes)
        {
            if (string.IsNullOrWhiteSpace(route.Prefix) || !route.Prefix.StartsWith('/') || route.Prefix.EndsWith('/'))
            {
                yield return new ValidationResult($"Gateway:Routes prefix '{route.Prefix}' must start with '/' and not end with one.");
            }
            else if (route.Prefix.StartsWith("/internal", StringComparison.OrdinalIgnoreCase))
            {
                yield return new ValidationResult($"Gateway:Routes prefix '{route.Prefix}': /internal is never routed.");
            }

            if (string.IsNullOrWhiteSpace(route.Cluster))
            {
                yield return new ValidationResult($"Gateway:Routes '{route.Prefix}' names no cluster (the service name, e.g. gallery-api).");
            }

            if (route.IdleTimeout < TimeSpan.Zero)
            {
                yield return new ValidationResult($"Gateway:Routes '{route.Prefix}' has a negative IdleTimeout.");
            }
        }

        foreach (var proxy in TrustedProxies)
        {
            if (!UploadRateLimiter.TryParseNetwork(proxy, out _))
            {
                yield return new ValidationResult($"Gateway:TrustedProxies '{proxy}' is neither an IP address nor a network like 10.0.0.0/8.");
            }
        }

        foreach (var duplicate in Routes.GroupBy(r => r.Prefix, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            yield return new ValidationResult($"Gateway:Routes lists '{duplicate.Key}' more than once.");
        }
    }
}

/// <summary>One path prefix forwarded to one cluster (a service name resolved by service discovery).</summary>
internal sealed class RouteOptions
{
    /// <summary>Requests to this path and below it (e.g. <c>/api/photos</c>, <c>/api/photos/{id}</c>) are forwarded.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The service name whose <c>services:{name}:http:*</c> addresses are the destinations.</summary>
    public string Cluster { get; set; } = "";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413 before anything is forwarded.</summary>
    [Range(0, long.MaxValue)]
    public long MaxRequestBodySize { get; set; } = 64 * 1024;

    /// <summary>
    /// How long the exchange may sit without a byte moving either way before it is cut (504 when no response
    /// has started). Zero means never, for long-lived streams such as SSE.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Whether the upload rate limit (per client address, then per owner) applies.</summary>
    public bool RateLimited { get; set; }
}

internal sealed class CorsOptions
{
    /// <summary>Origins allowed to call the API from a browser (the extension, mobile web); none by default.</summary>
    public List<string> Origins { get; set; } = [];
}

/// <summary>Uploads per <see cref="Window"/>: per owner token, and per client address whatever the tokens (see <see cref="UploadRateLimiter"/>).</summary>
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
