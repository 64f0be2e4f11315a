using Microsoft.AspNetCore.Http.HttpResults;
using Scalar.AspNetCore;
using Scrapbook.Contracts;
using Scrapbook.Gateway.OpenApi;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.Gateway.Apis;

/// <summary>
/// <c>/openapi/v1.json</c>, the merged public API description (with the admin operations when the request carries the
/// admin key), and <c>/api/docs</c>, a Scalar reference that reads it.
/// </summary>
internal static partial class ApiDocsApi
{
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/api/docs";

    public static IEndpointRouteBuilder MapApiDocsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(DocumentPath, GetDocumentAsync).WithName("GetOpenApiDocument").ExcludeFromDescription();
        app.MapScalarApiReference(ReferencePath, options =>
        {
            options.Title = "Scrapbook API";
            options.OpenApiRoutePattern = DocumentPath;
            // Nothing fetched from elsewhere: the bundle is served by the gateway itself, no web fonts, no telemetry.
            options.DefaultFonts = false;
            options.Telemetry = false;
            // A reference for the deployment's users: no hosted AI chat, MCP or vendor toolbar.
            options.Agent = new ScalarAgentOptions { Disabled = true };
            options.Mcp = new ScalarMcpOptions { Disabled = true };
            options.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            options.WithNonce();
        }).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetDocumentAsync(
        HttpContext context, MergedOpenApiDocument document, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var adminKey = context.Request.Headers[AdminKeyAuthenticationOptions.HeaderName].ToString();
        try
        {
            var json = await document.GetAsync(adminKey.Length > 0 ? adminKey : null, cancellationToken);
            context.Response.Headers.CacheControl = adminKey.Length > 0 ? "no-store" : "public, max-age=60";
            return TypedResults.File(json, "application/json");
        }
        catch (HttpRequestException exception)
        {
            LogServiceDocumentUnavailable(loggers.CreateLogger(typeof(ApiDocsApi)), exception);
            context.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                "A service behind the gateway did not give its API description. Try again shortly.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The API description is unavailable.",
                type: ProblemTypes.DependencyDown);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A service's OpenAPI document could not be read for the merged one")]
    private static partial void LogServiceDocumentUnavailable(ILogger logger, Exception exception);
}
