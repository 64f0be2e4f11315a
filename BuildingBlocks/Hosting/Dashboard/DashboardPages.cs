using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Scrapbook.Hosting.Telemetry;

namespace Scrapbook.Hosting.Dashboard;

/// <summary>
/// The dashboard's pages: HTML rendered on the server with one navigation bar, plus small scripts and one style sheet
/// embedded in this assembly and served from <c>/assets/</c> (no inline script, no external asset). Resources and the
/// console refresh themselves from the JSON API; the telemetry pages render what the store holds when asked.
/// </summary>
internal static partial class DashboardPages
{
    private static readonly (string Path, string Title)[] s_navigation =
    [
        ("/", "Resources"),
        ("/console", "Console"),
        ("/logs", "Structured logs"),
        ("/traces", "Traces"),
        ("/metrics", "Metrics"),
    ];

    private static readonly Dictionary<string, (byte[] Content, string ContentType)> s_assets = LoadAssets();

    public static void MapDashboardPages(this IEndpointRouteBuilder endpoints, DistributedApplication application, TelemetryStore telemetry)
    {
        endpoints.MapGet("/assets/{file}", (string file) =>
            s_assets.TryGetValue(file, out var asset) ? Results.Bytes(asset.Content, asset.ContentType) : Results.NotFound());
        endpoints.MapGet("/", () => Page("Resources", "/", ResourcesBody(), "resources.js"));
        endpoints.MapGet("/console", () =>
            application.Resources.OfType<ExecutableResource>().FirstOrDefault() is { } first
                ? Results.Redirect($"/console/{Uri.EscapeDataString(first.Name)}")
                : Page("Console", "/console", "<h1>Console</h1><p>No process resources.</p>"));
        endpoints.MapGet("/console/{name}", (string name) =>
            application.Resources.OfType<ExecutableResource>().Any(r => r.Name == name)
                ? Page($"{name} console", "/console", ConsoleBody(application, name), "console.js")
                : Results.NotFound());
        endpoints.MapGet("/logs", (string? resource, string? level, string? text, string? traceId) =>
            DashboardApi.ParseLogQuery(resource, level, text, traceId, 500) is { } query
                ? Page("Structured logs", "/logs", LogsBody(telemetry, query, level), "live.js")
                : Results.BadRequest());
        endpoints.MapGet("/traces", (string? resource, bool? errorsOnly, string? text, string? sort) =>
            DashboardApi.ParseTraceQuery(resource, errorsOnly, text, sort, 200) is { } query
                ? Page("Traces", "/traces", TracesBody(telemetry, query), "live.js")
                : Results.BadRequest());
        endpoints.MapGet("/traces/{traceId}", (string traceId) =>
            telemetry.GetTrace(traceId) is { } trace
                ? Page($"trace {trace.TraceId}", "/traces", TraceBody(trace, telemetry))
                : Page("Trace not found", "/traces", $"<h1>Trace not found</h1><p>{E(traceId)} is not (or no longer) held.</p>", statusCode: StatusCodes.Status404NotFound));
        endpoints.MapGet("/metrics", (string? resource, string? instrument) =>
            Page("Metrics", "/metrics", MetricsBody(telemetry, resource, instrument), "metrics.js"));
    }

    private static IResult Page(string title, string active, string body, string? script = null, int statusCode = StatusCodes.Status200OK)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Scrapbook · {E(title)}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
            <body><header><span class="brand">Scrapbook</span><nav>
            """);
        foreach (var (path, name) in s_navigation)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<a href="{path}"{(path == active ? " class=\"active\" aria-current=\"page\"" : "")}>{name}</a>""");
        }

        html.Append("</nav></header><main>").Append(body).Append("</main>");
        if (script is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<script src="/assets/{script}" defer></script>""");
        }

        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    private static string ResourcesBody() => """
        <h1>Resources</h1>
        <table class="grid"><thead><tr><th>Name</th><th>Type</th><th>State</th><th>Health</th><th>Endpoints</th><th>Pid</th><th>Restarts</th><th>Environment</th><th>Logs</th><th>Actions</th></tr></thead>
        <tbody id="resources"><tr><td colspan="10">Loading…</td></tr></tbody></table>
        """;

    private static string ConsoleBody(DistributedApplication application, string name)
    {
        var html = new StringBuilder("<h1>Console</h1><form class=\"filters\" id=\"console-picker\"><label>Resource <select name=\"resource\" id=\"console-resource\">");
        foreach (var resource in application.Resources.OfType<ExecutableResource>())
        {
            html.Append(CultureInfo.InvariantCulture, $"""<option{(resource.Name == name ? " selected" : "")}>{E(resource.Name)}</option>""");
        }

        html.Append(CultureInfo.InvariantCulture, $"""
            </select></label><label><input type="checkbox" id="console-follow" checked> follow</label><span id="console-status" class="muted"></span></form>
            <pre id="console" class="console" data-resource="{E(name)}"></pre>
            """);
        return html.ToString();
    }

    private static Dictionary<string, (byte[], string)> LoadAssets()
    {
        const string Prefix = "Dashboard.Assets.";
        var assembly = typeof(DashboardPages).Assembly;
        var assets = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var file = name[Prefix.Length..];
            var contentType = Path.GetExtension(file) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            assets[file] = (copy.ToArray(), contentType);
        }

        return assets;
    }

    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Url(string text) => Uri.EscapeDataString(text);
}
