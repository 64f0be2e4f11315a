using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Scrapbook.Hosting.Tests;

/// <summary>The dashboard's telemetry pages as a browser receives them: navigation, server-rendered content, only own scripts.</summary>
public sealed partial class TelemetryPagesTests : TelemetryDashboardTest
{
    [Fact]
    public async Task EveryPageHasTheNavigationAndUsesOnlyTheDashboardsOwnScripts()
    {
        string traceId;
        using (var gateway = Dashboard.Tracing("gateway", Source + ".gateway"))
        using (var gallery = Dashboard.Tracing("gallery-api", Source + ".gallery"))
        using (var gatewaySource = new ActivitySource(Source + ".gateway"))
        using (var gallerySource = new ActivitySource(Source + ".gallery"))
        using (var logs = Dashboard.Logging("gallery-api"))
        using (var metrics = Dashboard.Metrics("gallery-api", Source))
        using (var meter = new Meter(Source))
        {
            using (var root = gatewaySource.StartActivity("GET /api/photos", ActivityKind.Server, default(ActivityContext))!)
            {
                traceId = root.TraceId.ToHexString();
                using var query = gallerySource.StartActivity("SELECT photos", ActivityKind.Internal, root.Context)!;
                query.SetTag("db.system", "sqlite");
                LogListed(logs.CreateLogger("Scrapbook.Gallery"), 12);
            }

            meter.CreateCounter<long>("photos.listed").Add(12);
            Assert.True(metrics.ForceFlush(10_000));
        }

        var pages = new Dictionary<string, string>
        {
            ["/"] = "Resources",
            ["/console"] = "Console",
            ["/logs?level=Information&text=listed"] = "Listed 12 photos",
            ["/traces?sort=slowest"] = "GET /api/photos",
            [$"/traces/{traceId}"] = "SELECT photos",
            ["/metrics?resource=gallery-api&instrument=photos.listed"] = "<svg id=\"chart\"",
        };
        foreach (var (path, expected) in pages)
        {
            using var response = await Dashboard.Api.GetAsync(path, Cancellation);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var html = await response.Content.ReadAsStringAsync(Cancellation);
            Assert.Contains(expected, html, StringComparison.Ordinal);
            foreach (var link in new[] { "href=\"/\"", "href=\"/console\"", "href=\"/logs\"", "href=\"/traces\"", "href=\"/metrics\"" })
            {
                Assert.Contains(link, html, StringComparison.Ordinal);
            }

            // Every script is a file the dashboard serves itself.
            foreach (Match script in ScriptTag().Matches(html))
            {
                var source = script.Groups["src"].Value;
                Assert.StartsWith("/assets/", source, StringComparison.Ordinal);
                using var asset = await Dashboard.Api.GetAsync(source, Cancellation);
                Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
                Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
            }

            Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);
        }

        // The log links to its trace, and the waterfall shows both services' spans as positioned bars.
        var logsPage = await Dashboard.Api.GetStringAsync("/logs", Cancellation);
        Assert.Contains($"href=\"/traces/{traceId}\"", logsPage, StringComparison.Ordinal);
        var tracePage = await Dashboard.Api.GetStringAsync($"/traces/{traceId}", Cancellation);
        Assert.Equal(2, Regex.Count(tracePage, "class=\"bar c\\d\" style=\"left:[0-9.]+%;width:[0-9.]+%\""));
        Assert.Contains("db.system", tracePage, StringComparison.Ordinal);
        Assert.Contains("Listed 12 photos", tracePage, StringComparison.Ordinal);

        using var css = await Dashboard.Api.GetAsync("/assets/dashboard.css", Cancellation);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using var missing = await Dashboard.Api.GetAsync($"/traces/{ActivityTraceId.CreateRandom().ToHexString()}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task ALogLinksToItsTraceOnlyWhileTheTraceIsHeld()
    {
        string unrecorded;
        using (var logs = Dashboard.Logging("notify-api"))
        {
            // A span nobody exports, as a health probe's is: its logs carry a trace id the dashboard never receives.
            using var probe = new Activity("GET /health").Start();
            unrecorded = probe.TraceId.ToHexString();
            LogListed(logs.CreateLogger("Scrapbook.Notify"), 0);
        }

        var page = await Dashboard.Api.GetStringAsync("/logs?resource=notify-api", Cancellation);
        Assert.Contains("Listed 0 photos", page, StringComparison.Ordinal);
        Assert.Contains(unrecorded[..8], page, StringComparison.Ordinal);
        Assert.DoesNotContain($"/traces/{unrecorded}", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLoginLinkLeadsOnlyToPagesOfTheDashboard()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        foreach (var (returnUrl, expected) in new[] { ("/traces?sort=slowest", "/traces?sort=slowest"), ("//elsewhere.example/", "/"), ("https://elsewhere.example/", "/"), ("/\\elsewhere", "/") })
        {
            using var response = await client.GetAsync($"{Dashboard.LoginUrl}&returnUrl={Uri.EscapeDataString(returnUrl)}", Cancellation);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal(expected, response.Headers.Location?.OriginalString);
            Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        }

        using var wrong = await client.GetAsync($"http://127.0.0.1:{Dashboard.Port}/login?t=wrong&returnUrl=/traces", Cancellation);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptTag();

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} photos")]
    private static partial void LogListed(ILogger logger, int count);
}
