using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Gateway;

/// <summary>
/// The <c>Scrapbook</c> section: the address people reach the site at (<c>Scrapbook:PublicBaseUrl</c>), for what points
/// at it from outside a page: the wall's QR code, share links, Open Graph URLs. Unset, the address a request came in on
/// is used, which is right on one machine and behind a trusted proxy, but not when a laptop serves a party on the LAN
/// under a name the laptop itself is not asked by.
/// </summary>
internal sealed class PublicAddressOptions : IValidatableObject
{
    public const string SectionName = "Scrapbook";

    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The base address for a request: the configured one, or the request's own scheme and host.</summary>
    public Uri BaseFor(HttpRequest request) =>
        PublicBaseUrl ?? new Uri($"{request.Scheme}://{request.Host}{request.PathBase}/");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.Query.Length > 0 || url.Fragment.Length > 0))
        {
            yield return new ValidationResult($"Scrapbook:PublicBaseUrl '{url}' must be an absolute http or https address without query or fragment, e.g. https://party.example:8443/.");
        }
    }
}
