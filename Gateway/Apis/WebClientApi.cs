using Microsoft.AspNetCore.StaticFiles;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// The web client from <c>wwwroot</c>: its pages fall back to <c>index.html</c>; every file is sent with
/// <c>Cache-Control: no-cache</c> and its ETag, so browsers keep a copy but revalidate it (a 304 when unchanged). There
/// is no build step that fingerprints file names, so nothing may be cached as immutable: a release must show at once.
/// </summary>
internal static class WebClientApi
{
    /// <summary>The client-side pages (route patterns); <c>app.js</c> picks the page from the path.</summary>
    private static readonly string[] s_pages = ["/", "/upload", "/mine", "/albums", "/albums/{id:guid}", "/admin", "/projector", "/devices", "/pair"];

    /// <summary>The manifest's <c>share_target</c> action.</summary>
    public const string ShareTargetPath = "/share-target";

    public static StaticFileOptions StaticFileOptions { get; } = new()
    {
        ContentTypeProvider = CreateContentTypes(),
        OnPrepareResponse = static context => context.Context.Response.Headers.CacheControl = "no-cache",
    };

    public static IEndpointRouteBuilder MapWebClient(this IEndpointRouteBuilder app)
    {
        foreach (var page in s_pages)
        {
            app.MapFallbackToFile(page, "index.html", StaticFileOptions);
        }

        // The installed app's share target: its service worker takes the POST (and the shared files) before it gets
        // here. One that reaches the gateway came from a browser without it (not yet installed, or cleared): send the
        // person to the upload page, which says so, rather than an error. The body is never read.
        app.MapMethods(ShareTargetPath, [HttpMethods.Get, HttpMethods.Post], static (HttpContext context) =>
        {
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = "/upload?share=unavailable";
        }).WithName("ShareTargetWithoutServiceWorker").ExcludeFromDescription();
        return app;
    }

    /// <summary>ASP.NET Core's table, with the types the web client's files need stated rather than assumed.</summary>
    private static FileExtensionContentTypeProvider CreateContentTypes()
    {
        var provider = new FileExtensionContentTypeProvider();
        // ES modules must come with a JavaScript type (RFC 9239: text/javascript) or browsers refuse them; with
        // nosniff, so must classic scripts.
        provider.Mappings[".js"] = "text/javascript";
        provider.Mappings[".mjs"] = "text/javascript";
        provider.Mappings[".map"] = "application/json";
        provider.Mappings[".json"] = "application/json";
        provider.Mappings[".webmanifest"] = "application/manifest+json";
        provider.Mappings[".svg"] = "image/svg+xml";
        provider.Mappings[".webp"] = "image/webp";
        provider.Mappings[".avif"] = "image/avif";
        provider.Mappings[".woff2"] = "font/woff2";
        return provider;
    }
}
