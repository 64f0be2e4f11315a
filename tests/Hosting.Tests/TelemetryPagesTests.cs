using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Scrapbook.Hosting.Tests;

/// <summary>The dashboard's telemetry pages as a browser receives them: navigation, server-rendered content, only own scripts.</summary>
public sealed partial class TelemetryPagesTests : IAsyncLifetime
{
    private readonly string _source = $"Scrapbook.Tests.{Guid.NewGuid():N}";
    private TelemetryTestDashboard _dashboard = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _dashboard = await TelemetryTestDashboard.StartAsync();

    public async ValueTask DisposeAsync() => await _dashboard.DisposeAsync();

    [Fact]
    public async Task EveryPageHasTheNavigationAndUsesOnlyTheDashboardsOwnScripts()
    {
        string traceId;
        using (var gateway = _dashboard.Tracing("gateway", _source + ".gateway"))
        using (var gallery = _dashboard.Tracing("gallery-api", _source + ".gallery"))
        using (var gatewaySource = new ActivitySource(_source + ".gateway"))
        using (var gallerySource = new ActivitySource(_source + ".gallery"))
        using (var logs = _dashboard.Logging("gallery-api"))
        using (var metrics = _dashboard.Metrics("gallery-api", _source))
        using (var meter = new Meter(_source))
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
            using var response = await _dashboard.Api.GetAsync(path, Cancellation);
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
                using var asset = await _dashboard.Api.GetAsync(source, Cancellation);
                Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
                Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
            }

            Assert.DoesNotMatch("<script(?![^>]*\\ssrc=)", html);
        }

        // The log links to its trace, and the waterfall shows both services' spans as positioned bars.
        var logsPage = await _dashboard.Api.GetStringAsync("/logs", Cancellation);
        Assert.Contains($"href=\"/traces/{traceId}\"", logsPage, StringComparison.Ordinal);
        var tracePage = await _dashboard.Api.GetStringAsync($"/traces/{traceId}", Cancellation);
        Assert.Equal(2, Regex.Count(tracePage, "class=\"bar c\\d\" style=\"left:[0-9.]+%;width:[0-9.]+%\""));
        Assert.Contains("db.system", tracePage, StringComparison.Ordinal);
        Assert.Contains("Listed 12 photos", tracePage, StringComparison.Ordinal);

        using var css = await _dashboard.Api.GetAsync("/assets/dashboard.css", Cancellation);
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
        using var missing = await _dashboard.Api.GetAsync($"/traces/{ActivityTraceId.CreateRandom().ToHexString()}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptTag();

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} photos")]
    private static partial void LogListed(ILogger logger, int count);
}
