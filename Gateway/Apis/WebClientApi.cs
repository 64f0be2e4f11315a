using System.Text.RegularExpressions;
using Microsoft.AspNetCore.StaticFiles;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// The web client from <c>wwwroot</c>: its pages fall back to <c>index.html</c>; HTML is revalidated on every
/// load, fingerprinted assets (<c>app.3f9a1c2b.js</c>) are cached for a year, anything else is revalidated.
/// </summary>
internal static partial class WebClientApi
{
    private static readonly string[] s_pages = ["/", "/upload", "/mine", "/admin"];

    public static StaticFileOptions StaticFileOptions { get; } = new() { OnPrepareResponse = SetCacheHeaders };

    public static IEndpointRouteBuilder MapWebClient(this IEndpointRouteBuilder app)
    {
        foreach (var page in s_pages)
        {
            app.MapFallbackToFile(page, "index.html", StaticFileOptions);
        }

        return app;
    }

    private static void SetCacheHeaders(StaticFileResponseContext context)
    {
        var name = context.File.Name;
        context.Context.Response.Headers.CacheControl = Fingerprinted().IsMatch(name) && !name.EndsWith(".html", StringComparison.OrdinalIgnoreCase)
            ? "public, max-age=31536000, immutable"
            : "no-cache";
    }

    [GeneratedRegex(@"[.-](?=[0-9a-zA-Z]*[0-9])[0-9a-zA-Z]{8,}\.[a-z0-9]+$")]
    private static partial Regex Fingerprinted();
}
