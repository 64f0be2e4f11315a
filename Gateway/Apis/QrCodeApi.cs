using Microsoft.Extensions.Options;
using QRCoder;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// <c>/qr/upload.svg</c>: a QR code of the site's upload page, drawn here with QRCoder (no outside service sees the
/// address), for the wall and the projector: a phone that scans it opens the installable app's upload page.
/// </summary>
internal static class QrCodeApi
{
    public const string UploadCodePath = "/qr/upload.svg";

    public static IEndpointRouteBuilder MapQrCodeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(UploadCodePath, GetUploadCode).WithName("GetUploadQrCode").ExcludeFromDescription();
        return app;
    }

    private static IResult GetUploadCode(HttpContext context, IOptions<PublicAddressOptions> options)
    {
        var address = new Uri(options.Value.BaseFor(context.Request), "/upload");
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(new PayloadGenerator.Url(address.AbsoluteUri), QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(8, "#16131a", "#ffffff", drawQuietZones: true, SvgQRCode.SizingMode.ViewBoxAttribute);
        context.Response.Headers.CacheControl = "no-cache";
        // The address it encodes, for the page to print under it.
        context.Response.Headers["X-Scrapbook-Address"] = address.AbsoluteUri;
        return Results.Text(svg, "image/svg+xml");
    }
}
