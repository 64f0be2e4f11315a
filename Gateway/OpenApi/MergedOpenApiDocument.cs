using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing.Template;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.OpenApi;
using Yarp.ReverseProxy.Configuration;

namespace Scrapbook.Gateway.OpenApi;

/// <summary>
/// The gateway's one public API description: the OpenAPI documents of the services behind its routes
/// (<c>/openapi/v1.json</c> of each cluster, and with an admin key their <c>/openapi/admin.json</c>), merged, keeping only
/// the paths one of the gateway's routes actually sends to that service: <c>/internal</c> never, and nothing a service
/// describes that the gateway does not serve. The public document is kept for a minute; an admin one is made per request.
/// </summary>
internal sealed partial class MergedOpenApiDocument(
    IProxyConfigProvider proxyConfig,
    IHttpClientFactory httpClients,
    TimeProvider time,
    ILogger<MergedOpenApiDocument> logger)
{
    public const string HttpClientName = "openapi";

    private static readonly TimeSpan s_keepFor = TimeSpan.FromMinutes(1);
    private static readonly string[] s_componentKinds = ["schemas", "responses", "parameters", "requestBodies", "headers", "securitySchemes"];

    // Served as application/json, never inside HTML: backticks and quotes in descriptions stay readable.
    private static readonly System.Text.Json.JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _public;
    private DateTimeOffset _publicUntil;

    /// <summary>The merged document as UTF-8 JSON; throws <see cref="HttpRequestException"/> when a service does not give its own.</summary>
    public async Task<byte[]> GetAsync(string? adminKey, CancellationToken cancellationToken = default)
    {
        if (!string.IsNullOrEmpty(adminKey))
        {
            return await MergeAsync(adminKey, cancellationToken);
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_public is null || time.GetUtcNow() >= _publicUntil)
            {
                _public = await MergeAsync(adminKey: null, cancellationToken);
                _publicUntil = time.GetUtcNow() + s_keepFor;
            }

            return _public;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<byte[]> MergeAsync(string? adminKey, CancellationToken cancellationToken)
    {
        var config = proxyConfig.GetConfig();
        var merged = new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Scrapbook API",
                ["version"] = "v1",
                ["description"] =
                    "Everything a browser, an app or a script can do with Scrapbook, through its gateway. Errors are RFC 9457 " +
                    "problem details whose `type` is stable; each error response lists the types it can carry.",
            },
            ["paths"] = new JsonObject(),
            ["components"] = new JsonObject(),
            ["tags"] = new JsonArray(),
        };

        using var http = httpClients.CreateClient(HttpClientName);
        foreach (var cluster in config.Clusters.OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            var routes = config.Routes
                .Where(r => r.ClusterId == cluster.ClusterId && r.Match.Path is not null)
                .Select(r => new TemplateMatcher(TemplateParser.Parse(r.Match.Path!.TrimStart('/')), new RouteValueDictionary()))
                .ToList();
            if (routes.Count == 0 || cluster.Destinations?.Values.FirstOrDefault()?.Address is not { } address)
            {
                continue;
            }

            var baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
            MergeInto(merged, await FetchAsync(http, new Uri(baseAddress, $"openapi/{ScrapbookOpenApi.PublicDocument}.json"), null, cancellationToken), routes);
            if (adminKey is not null
                && await FetchAsync(http, new Uri(baseAddress, $"openapi/{ScrapbookOpenApi.AdminDocument}.json"), adminKey, cancellationToken) is { } admin)
            {
                MergeInto(merged, admin, routes);
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(merged.ToJsonString(s_json));
    }

    /// <summary>A service's document; for the admin document, null where the key does not open it (that service has no admin).</summary>
    private static async Task<JsonObject?> FetchAsync(HttpClient http, Uri uri, string? adminKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (adminKey is not null)
        {
            request.Headers.TryAddWithoutValidation(AdminKeyAuthenticationOptions.HeaderName, adminKey);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (adminKey is not null && response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonNode.ParseAsync(body, cancellationToken: cancellationToken) as JsonObject
            ?? throw new HttpRequestException($"{uri} did not answer a JSON object.");
    }

    private void MergeInto(JsonObject merged, JsonObject? document, IReadOnlyList<TemplateMatcher> routes)
    {
        if (document is null)
        {
            return;
        }

        var paths = merged["paths"]!.AsObject();
        foreach (var (path, item) in document["paths"]?.AsObject() ?? [])
        {
            if (item is not JsonObject operations || path.StartsWith("/internal", StringComparison.OrdinalIgnoreCase) || !IsRouted(path, routes))
            {
                continue;
            }

            var target = paths[path] as JsonObject ?? new JsonObject();
            foreach (var (method, operation) in operations)
            {
                target[method] = operation?.DeepClone();
            }

            paths[path] = target;
        }

        var components = merged["components"]!.AsObject();
        foreach (var kind in s_componentKinds)
        {
            if (document["components"]?[kind] is not JsonObject source)
            {
                continue;
            }

            var target = components[kind] as JsonObject ?? [];
            components[kind] = target;
            foreach (var (name, value) in source)
            {
                if (target[name] is { } existing)
                {
                    if (!JsonNode.DeepEquals(existing, value))
                    {
                        LogComponentConflict(logger, kind, name);
                    }

                    continue;
                }

                target[name] = value?.DeepClone();
            }
        }

        var tags = merged["tags"]!.AsArray();
        foreach (var tag in document["tags"]?.AsArray() ?? [])
        {
            if (tag?["name"]?.GetValue<string>() is { } name && !tags.Any(t => t?["name"]?.GetValue<string>() == name))
            {
                tags.Add(tag.DeepClone());
            }
        }
    }

    /// <summary>Whether a route sends this path to the service: its parameters, filled in, match the route's pattern.</summary>
    private static bool IsRouted(string path, IReadOnlyList<TemplateMatcher> routes)
    {
        var sample = new PathString(TemplateParameter().Replace(path, "x"));
        return routes.Any(route => route.TryMatch(sample, new RouteValueDictionary()));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\{[^}]+\}")]
    private static partial System.Text.RegularExpressions.Regex TemplateParameter();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Two services describe OpenAPI {Kind} '{Name}' differently; the merged document keeps the first")]
    private static partial void LogComponentConflict(ILogger logger, string kind, string name);
}
