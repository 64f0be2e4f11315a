using Microsoft.Extensions.Options;
using QRCoder;
using Scrapbook.Contracts;
using Scrapbook.Gateway.Proxy;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// QR codes drawn here with QRCoder (no outside service sees the address): <c>/qr/upload.svg</c>, the site's upload page,
/// for the wall and the projector; <c>/s/{token}/qr.svg</c>, a guest link's upload page, for its album's projector; and
/// <c>/qr/pair.svg?code=…</c>, the devices page's pairing code. A phone that scans one opens that page.
/// </summary>
internal static class QrCodeApi
{
    public const string UploadCodePath = "/qr/upload.svg";

    /// <summary><c>/qr/pair.svg?code=…</c>: the devices page's pairing code, as the address of the pairing page.</summary>
    public const string PairCodePath = "/qr/pair.svg";

    public static IEndpointRouteBuilder MapQrCodeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(UploadCodePath, GetUploadCode).WithName("GetUploadQrCode").ExcludeFromDescription();
        app.MapGet("/s/{token}/qr.svg", GetGuestUploadCode).WithName("GetGuestUploadQrCode").ExcludeFromDescription()
            .RequireRateLimiting(RateLimits.SharedLinksPolicyName);
        app.MapGet(PairCodePath, GetPairCode).WithName("GetPairQrCode").ExcludeFromDescription();
        return app;
    }

    private static IResult GetUploadCode(HttpContext context, IOptions<PublicAddressOptions> options) =>
        Draw(context, new Uri(options.Value.BaseFor(context.Request), "/upload"));

    /// <summary>
    /// Only the token's shape is checked: the code says nothing the address in the projector's own address bar does not,
    /// and the upload page it opens tells a guest when the link no longer works.
    /// </summary>
    private static IResult GetGuestUploadCode(string token, HttpContext context, IOptions<PublicAddressOptions> options)
    {
        if (!ShareLinkTokens.IsWellFormed(token))
        {
            return TypedResults.NotFound();
        }

        var drawn = Draw(context, new Uri(options.Value.BaseFor(context.Request), $"/s/{token}/upload"));
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers["Referrer-Policy"] = "no-referrer";
        return drawn;
    }

    /// <summary>Only a well-formed code is drawn: this is not a QR service for any text. The code lives five minutes, so no caching.</summary>
    private static IResult GetPairCode(HttpContext context, IOptions<PublicAddressOptions> options, string? code = null)
    {
        if (PairingCodes.Normalize(code) is not { } normalized)
        {
            return TypedResults.Problem("Give ?code= a pairing code.", statusCode: StatusCodes.Status400BadRequest, type: ProblemTypes.Malformed);
        }

        var drawn = Draw(context, new Uri(options.Value.BaseFor(context.Request), $"/pair?code={normalized}"));
        context.Response.Headers.CacheControl = "no-store";
        return drawn;
    }

    private static IResult Draw(HttpContext context, Uri address)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(new PayloadGenerator.Url(address.AbsoluteUri), QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(8, "#16131a", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        context.Response.Headers.CacheControl = "no-cache";
        // The address it encodes, for the page to print under it.
        context.Response.Headers["X-Scrapbook-Address"] = address.AbsoluteUri;
        return Results.Text(svg, "image/svg+xml");
    }
}
