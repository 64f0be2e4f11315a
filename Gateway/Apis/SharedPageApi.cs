using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gateway.Proxy;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// <c>/s/{token}</c>: the page a share link opens, drawn here rather than in the browser so that a link pasted into a chat
/// app previews with its title and picture (Open Graph and Twitter card tags, absolute URLs from
/// <c>Scrapbook:PublicBaseUrl</c>): chat apps read the HTML and run no script. The page then loads its own module for the
/// photo grid. An album's link also opens <c>/s/{token}/wall</c>, the album's projector view, and, when it lets guests add
/// photos, <c>/s/{token}/upload</c>, the guests' upload page. A link that does not work, for whatever reason, gets one
/// friendly 404 page.
/// </summary>
internal static partial class SharedPageApi
{
    public const string HttpClientName = "gallery";

    private static readonly HtmlEncoder s_html = HtmlEncoder.Default;

    public static IEndpointRouteBuilder MapSharedPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{token}", RenderAsync).WithName("SharedPage").ExcludeFromDescription().RequireRateLimiting(RateLimits.SharedLinksPolicyName);
        app.MapGet("/s/{token}/upload", RenderUploadAsync).WithName("SharedUploadPage").ExcludeFromDescription().RequireRateLimiting(RateLimits.SharedLinksPolicyName);
        app.MapGet("/s/{token}/wall", RenderWallAsync).WithName("SharedWallPage").ExcludeFromDescription().RequireRateLimiting(RateLimits.SharedLinksPolicyName);
        return app;
    }

    /// <summary>A share link's token as Gallery.Api makes them: 32 random bytes in base64url, 43 characters.</summary>
    private static async Task<IResult> RenderAsync(
        string token, HttpContext context, IHttpClientFactory clients, IOptions<PublicAddressOptions> address, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (link, failure) = await FetchAsync(token, context, clients, loggers, cancellationToken);
        if (link is null)
        {
            return failure!;
        }

        var site = address.Value.BaseFor(context.Request);
        return Page(StatusCodes.Status200OK, SharedPage(link, token, site, new Uri(site, $"/s/{token}")));
    }

    private static async Task<IResult> RenderUploadAsync(
        string token, HttpContext context, IHttpClientFactory clients, IOptions<PublicAddressOptions> address, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (link, failure) = await FetchAsync(token, context, clients, loggers, cancellationToken);
        if (link is null)
        {
            return failure!;
        }

        if (link.Album is not { } album || !link.AllowUploads)
        {
            return Page(StatusCodes.Status403Forbidden, MessagePage(
                "This link does not take photos",
                "Whoever shared it lets you look, not add. Ask them for a link that lets guests add photos.",
                ($"/s/{token}", "See what was shared")));
        }

        var site = address.Value.BaseFor(context.Request);
        var description = $"Add your photos to “{album.Title}”.";
        var meta = PreviewMeta(album.Title, description, new Uri(site, $"/s/{token}/upload"), site, image: null);
        var body = $"""
            <section class="upload-page guest-upload" aria-labelledby="upload-title">
              <div class="page-head">
                <div>
                  <p class="shared-kicker">Add your photos to the album</p>
                  <h1 id="upload-title">{Html(album.Title)}</h1>
                  <p class="lede">They appear on the album’s wall once they are ready.</p>
                </div>
                <div class="actions"><a class="button" href="/s/{token}">See the album</a></div>
              </div>
            </section>
            """;
        return Page(StatusCodes.Status200OK, Document(album.Title, description, meta, body, script: "/js/shared-upload.js"));
    }

    private static async Task<IResult> RenderWallAsync(
        string token, HttpContext context, IHttpClientFactory clients, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (link, failure) = await FetchAsync(token, context, clients, loggers, cancellationToken);
        if (link is null)
        {
            return failure!;
        }

        if (link.Album is not { } album)
        {
            return Page(StatusCodes.Status404NotFound, NotFoundPage());
        }

        // The module reads whether to show the upload page's QR code from here: the page itself is all it has.
        var body = $"""
            <section class="shared-wall" aria-labelledby="wall-title" data-allow-uploads="{(link.AllowUploads ? "true" : "false")}">
              <h1 class="visually-hidden" id="wall-title">{Html(album.Title)}</h1>
            </section>
            """;
        return Page(StatusCodes.Status200OK, Document(album.Title, album.Description ?? "", meta: "", body, script: "/js/shared-wall.js"));
    }

    /// <summary>
    /// What the link names, from Gallery.Api, with the headers every page of a link carries; or the page to answer
    /// instead: 404 for a link that does not work (a malformed token is not worth asking about), 503 when Gallery.Api
    /// cannot be reached.
    /// </summary>
    private static async Task<(SharedDto? Link, IResult? Failure)> FetchAsync(
        string token, HttpContext context, IHttpClientFactory clients, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var headers = context.Response.Headers;
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers.CacheControl = "no-store";
        // The token is in this page's address: never send it on as a Referer, not even to the site's own media.
        headers["Referrer-Policy"] = "no-referrer";
        if (!ShareLinkTokens.IsWellFormed(token))
        {
            return (null, Page(StatusCodes.Status404NotFound, NotFoundPage()));
        }

        try
        {
            using var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync($"http://gallery-api/api/shared/{Uri.EscapeDataString(token)}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (null, Page(StatusCodes.Status404NotFound, NotFoundPage()));
            }

            response.EnsureSuccessStatusCode();
            var shared = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SharedDto, cancellationToken);
            return shared is null ? (null, Page(StatusCodes.Status404NotFound, NotFoundPage())) : (shared, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogGalleryUnavailable(loggers.CreateLogger(typeof(SharedPageApi)), ex.Message);
            headers.RetryAfter = "5";
            return (null, Page(StatusCodes.Status503ServiceUnavailable, MessagePage("Try again in a moment", "The photos cannot be fetched right now. Reload this page in a few seconds.")));
        }
    }

    private static IResult Page(int status, string html) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string SharedPage(SharedDto link, string token, Uri site, Uri pageUrl)
    {
        // A guest link's album page leads to its upload page and its projector view.
        var guestActions = link.AllowUploads
            ? $"""
              <div class="actions shared-actions">
                <a class="button primary" href="/s/{token}/upload"><span class="icon icon-plus" aria-hidden="true"></span>Add photos</a>
                <a class="button" href="/s/{token}/wall"><span class="icon icon-play" aria-hidden="true"></span>Projector</a>
              </div>
              """
            : "";
        var (title, description, image, body) = link switch
        {
            { Album: { } album } => (
                album.Title,
                album.Description ?? PhotoCount(album.PhotoCount),
                album.Cover,
                $"""
                <header class="shared-head">
                  <p class="shared-kicker">Shared album · <span class="shared-count" data-count="{album.PhotoCount}">{PhotoCount(album.PhotoCount)}</span></p>
                  <h1 id="shared-title">{Html(album.Title)}</h1>
                  {(album.Description is { } text ? $"<p class=\"lede\">{Html(text)}</p>" : "")}
                  {guestActions}
                </header>
                <ul class="grid shared-grid" aria-labelledby="shared-title"></ul>
                <p class="empty shared-empty"{(album.PhotoCount == 0 ? "" : " hidden")}>Nothing to see here yet.</p>
                """),
            { Photo: { } photo } => (
                photo.Caption ?? "A photo",
                photo.Author is { } author ? $"By {author}" : "Shared from Scrapbook",
                photo,
                $"""
                <figure class="shared-photo">
                  <img src="{Html(photo.Urls.Large ?? photo.Urls.Small ?? "")}" alt="{Html(photo.Caption ?? "Shared photo")}" width="{photo.Width}" height="{photo.Height}">
                  <figcaption>{Html(photo.Caption ?? "")}{(photo.Author is { } by ? $" <span class=\"caption-author\">{Html(by)}</span>" : "")}</figcaption>
                </figure>
                """),
            _ => ("Shared from Scrapbook", "", null, ""),
        };
        return Document(title, description, PreviewMeta(title, description, pageUrl, site, image), body, script: "/js/shared-page.js");
    }

    private static string PhotoCount(int count) => count == 1 ? "1 photo" : $"{count} photos";

    /// <summary>Open Graph and Twitter card tags, so that a chat app shows the link with its title (and picture).</summary>
    private static string PreviewMeta(string title, string description, Uri pageUrl, Uri site, PhotoDto? image)
    {
        var imageUrl = image?.Urls.Large ?? image?.Urls.Small;
        var meta = new StringBuilder()
            .Append($"""<meta property="og:type" content="website">""").AppendLine()
            .Append($"""<meta property="og:site_name" content="Scrapbook">""").AppendLine()
            .Append($"""<meta property="og:title" content="{Html(title)}">""").AppendLine()
            .Append($"""<meta property="og:description" content="{Html(description)}">""").AppendLine()
            .Append($"""<meta property="og:url" content="{Html(pageUrl.AbsoluteUri)}">""").AppendLine()
            .Append($"""<meta name="twitter:card" content="{(imageUrl is null ? "summary" : "summary_large_image")}">""").AppendLine()
            .Append($"""<meta name="twitter:title" content="{Html(title)}">""").AppendLine()
            .Append($"""<meta name="twitter:description" content="{Html(description)}">""").AppendLine();
        if (imageUrl is not null)
        {
            var absolute = new Uri(site, imageUrl).AbsoluteUri;
            meta.Append($"""<meta property="og:image" content="{Html(absolute)}">""").AppendLine()
                .Append($"""<meta property="og:image:alt" content="{Html(image!.Caption ?? title)}">""").AppendLine()
                .Append($"""<meta name="twitter:image" content="{Html(absolute)}">""").AppendLine();
        }

        return meta.ToString();
    }

    private static string NotFoundPage() => MessagePage(
        "This link does not work",
        "It may have expired, or whoever shared it may have turned it off. Ask them for a new one.");

    /// <summary>A page that only says something; its button goes to <paramref name="action"/>, else to the wall.</summary>
    private static string MessagePage(string heading, string text, (string Href, string Label)? action = null) => Document(
        heading,
        text,
        meta: "",
        body: $"""
            <section class="empty shared-missing">
              <h1 class="empty-title">{Html(heading)}</h1>
              <p>{Html(text)}</p>
              <p><a class="button" href="{Html(action?.Href ?? "/")}">{Html(action?.Label ?? "Go to the wall")}</a></p>
            </section>
            """,
        script: null);

    private static string Document(string title, string description, string meta, string body, string? script) =>
        $"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
          <meta name="color-scheme" content="dark">
          <meta name="theme-color" content="#16131a">
          <meta name="robots" content="noindex, nofollow">
          <meta name="referrer" content="no-referrer">
          <meta name="description" content="{Html(description)}">
          {meta}
          <title>{Html(title)} · Scrapbook</title>
          <link rel="icon" href="/favicon.svg" type="image/svg+xml">
          <link rel="stylesheet" href="/css/app.css">
          {(script is null ? "" : $"<script type=\"module\" src=\"{script}\"></script>")}
        </head>
        <body class="shared">
          <header class="top">
            <a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span>Scrapbook</a>
          </header>
          <main id="main" tabindex="-1">
          {body}
          </main>
          <div id="toasts" class="toasts" role="status" aria-live="polite"></div>
        </body>
        </html>
        """;

    /// <summary>Text or an attribute value, encoded for HTML (the encoder escapes quotes too).</summary>
    private static string Html(string value) => s_html.Encode(value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A shared page could not be drawn: Gallery.Api answered {Reason}")]
    private static partial void LogGalleryUnavailable(ILogger logger, string reason);
}
