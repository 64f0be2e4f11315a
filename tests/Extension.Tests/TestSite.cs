using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Extension.Tests;

/// <summary>
/// Some web site with images on it, on 127.0.0.1: the pages the extension saves from, and the images the server fetches
/// by their address. Every page gives its visitor a cookie; "members only" images are refused to requests without it, as
/// a site behind a login refuses Scrapbook's fetcher.
/// </summary>
public sealed class TestSite : IAsyncDisposable
{
    private const string VisitorCookie = "visitor";

    private readonly ConcurrentDictionary<string, Resource> _resources = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private TestSite(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every request the site answered: path, User-Agent and status.</summary>
    public ConcurrentQueue<SiteRequest> Requests { get; } = new();

    public static async Task<TestSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var site = new TestSite(builder.Build());
        site._app.Run(site.AnswerAsync);
        await site._app.StartAsync();
        site.BaseAddress = new Uri(site._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return site;
    }

    public Uri Url(string path) => new(BaseAddress, path);

    /// <summary>An HTML page titled <paramref name="title"/> with <paramref name="body"/>.</summary>
    public Uri AddPage(string path, string title, string body)
    {
        var html = $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title></head><body><h1>{WebUtility.HtmlEncode(title)}</h1>{body}</body></html>";
        _resources[path] = new Resource("text/html; charset=utf-8", Encoding.UTF8.GetBytes(html), VisitorsOnly: false);
        return Url(path);
    }

    public Uri AddFile(string path, string contentType, byte[] body, bool visitorsOnly = false)
    {
        _resources[path] = new Resource(contentType, body, visitorsOnly);
        return Url(path);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var status = StatusCodes.Status200OK;
        if (!_resources.TryGetValue(path, out var resource))
        {
            status = StatusCodes.Status404NotFound;
        }
        else if (resource.VisitorsOnly && !context.Request.Cookies.ContainsKey(VisitorCookie))
        {
            status = StatusCodes.Status403Forbidden;
        }

        Requests.Enqueue(new SiteRequest(path, context.Request.Headers.UserAgent.ToString(), status));
        context.Response.StatusCode = status;
        if (status != StatusCodes.Status200OK)
        {
            return;
        }

        if (resource!.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            context.Response.Cookies.Append(VisitorCookie, "1", new CookieOptions { Path = "/", SameSite = SameSiteMode.Lax, HttpOnly = true });
        }

        context.Response.ContentType = resource.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(resource.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record Resource(string ContentType, byte[] Body, bool VisitorsOnly);
}

public sealed record SiteRequest(string Path, string UserAgent, int Status);
