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
/// photo grid. A link that does not work, for whatever reason, gets one friendly 404 page.
/// </summary>
internal static partial class SharedPageApi
{
    public const string HttpClientName = "gallery";

    private static readonly HtmlEncoder s_html = HtmlEncoder.Default;

    public static IEndpointRouteBuilder MapSharedPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/s/{token}", RenderAsync).WithName("SharedPage").ExcludeFromDescription().RequireRateLimiting(UploadRateLimits.SharedLinksPolicyName);
        return app;
    }

    private static async Task<IResult> RenderAsync(
        string token, HttpContext context, IHttpClientFactory clients, IOptions<PublicAddressOptions> address, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var headers = context.Response.Headers;
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers.CacheControl = "no-store";
        // The token is in this page's address: never send it on as a Referer, not even to the site's own media.
        headers["Referrer-Policy"] = "no-referrer";

        SharedDto? shared;
        try
        {
            using var http = clients.CreateClient(HttpClientName);
            using var response = await http.GetAsync($"http://gallery-api/api/shared/{Uri.EscapeDataString(token)}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return Page(StatusCodes.Status404NotFound, NotFoundPage());
            }

            response.EnsureSuccessStatusCode();
            shared = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SharedDto, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogGalleryUnavailable(loggers.CreateLogger(typeof(SharedPageApi)), ex.Message);
            headers.RetryAfter = "5";
            return Page(StatusCodes.Status503ServiceUnavailable, MessagePage("Try again in a moment", "The photos cannot be fetched right now. Reload this page in a few seconds."));
        }

        if (shared is null)
        {
            return Page(StatusCodes.Status404NotFound, NotFoundPage());
        }

        var site = address.Value.BaseFor(context.Request);
        return Page(StatusCodes.Status200OK, SharedPage(shared, site, new Uri(site, $"/s/{token}")));
    }

    private static IResult Page(int status, string html) => Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string SharedPage(SharedDto shared, Uri site, Uri pageUrl)
    {
        var (title, description, image, body) = shared switch
        {
            { Album: { } album } => (
                album.Title,
                album.Description ?? (album.PhotoCount == 1 ? "1 photo" : $"{album.PhotoCount} photos"),
                album.Cover,
                $"""
                <header class="shared-head">
                  <p class="shared-kicker">Shared album · {(album.PhotoCount == 1 ? "1 photo" : $"{album.PhotoCount} photos")}</p>
                  <h1 id="shared-title">{Html(album.Title)}</h1>
                  {(album.Description is { } text ? $"<p class=\"lede\">{Html(text)}</p>" : "")}
                </header>
                <ul class="grid shared-grid" aria-labelledby="shared-title"></ul>
                {(album.PhotoCount == 0 ? "<p class=\"empty\">Nothing to see here yet.</p>" : "")}
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

        return Document(title, description, meta.ToString(), body, script: "/js/shared-page.js");
    }

    private static string NotFoundPage() => MessagePage(
        "This link does not work",
        "It may have expired, or whoever shared it may have turned it off. Ask them for a new one.");

    private static string MessagePage(string heading, string text) => Document(
        heading,
        text,
        meta: "",
        body: $"""
            <section class="empty shared-missing">
              <h1 class="empty-title">{Html(heading)}</h1>
              <p>{Html(text)}</p>
              <p><a class="button" href="/">Go to the wall</a></p>
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
