using Microsoft.Extensions.Options;
using QRCoder;
using Scrapbook.Gateway.Proxy;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// QR codes drawn here with QRCoder (no outside service sees the addresses): <c>/qr/upload.svg</c>, the site's upload page,
/// for the wall and the projector; <c>/s/{token}/qr.svg</c>, a guest link's upload page, for its album's projector view.
/// A phone that scans one opens the page it names.
/// </summary>
internal static class QrCodeApi
{
    public const string UploadCodePath = "/qr/upload.svg";

    public static IEndpointRouteBuilder MapQrCodeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(UploadCodePath, GetUploadCode).WithName("GetUploadQrCode").ExcludeFromDescription();
        app.MapGet("/s/{token}/qr.svg", GetGuestUploadCode).WithName("GetGuestUploadQrCode").ExcludeFromDescription()
            .RequireRateLimiting(UploadRateLimits.SharedLinksPolicyName);
        return app;
    }

    private static IResult GetUploadCode(HttpContext context, IOptions<PublicAddressOptions> options)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return Code(context, new Uri(options.Value.BaseFor(context.Request), "/upload"));
    }

    /// <summary>
    /// Only the token's shape is checked: the code says nothing the address in the projector's own address bar does not,
    /// and the upload page it opens tells a guest when the link no longer works.
    /// </summary>
    private static IResult GetGuestUploadCode(string token, HttpContext context, IOptions<PublicAddressOptions> options)
    {
        if (!SharedPageApi.IsWellFormedToken(token))
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers["Referrer-Policy"] = "no-referrer";
        return Code(context, new Uri(options.Value.BaseFor(context.Request), $"/s/{token}/upload"));
    }

    private static IResult Code(HttpContext context, Uri address)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(new PayloadGenerator.Url(address.AbsoluteUri), QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(8, "#16131a", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        // The address it encodes, for the page to print under it.
        context.Response.Headers["X-Scrapbook-Address"] = address.AbsoluteUri;
        return Results.Text(svg, "image/svg+xml");
    }
}
