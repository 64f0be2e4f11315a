using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.ServiceDefaults.OpenApi;

/// <summary>
/// Each service's OpenAPI 3.1 documents (Microsoft.AspNetCore.OpenApi): <c>/openapi/v1.json</c>, its public operations,
/// and <c>/openapi/admin.json</c>, its admin operations, served only to a request carrying the admin key. The Gateway
/// merges them into the one public document; <c>/internal</c> endpoints are in neither (they are excluded from the
/// description where they are mapped).
/// </summary>
public static class ScrapbookOpenApi
{
    public const string PublicDocument = "v1";
    public const string AdminDocument = "admin";

    /// <summary>Where a service serves its documents: <c>/openapi/v1.json</c>, <c>/openapi/admin.json</c>.</summary>
    public const string RoutePattern = "/openapi/{documentName}.json";

    /// <summary>Security scheme names in the documents' components.</summary>
    public const string OwnerBearerScheme = "ownerToken";
    public const string OwnerCookieScheme = "ownerCookie";
    public const string AdminKeyScheme = "adminKey";

    private const string DocumentAccessPolicy = "OpenApiDocument";

    public static IHostApplicationBuilder AddScrapbookOpenApi(this IHostApplicationBuilder builder, string title)
    {
        builder.Services.AddOpenApi(PublicDocument, options => Configure(options, title, admin: false));
        builder.Services.AddOpenApi(AdminDocument, options => Configure(options, title, admin: true));
        builder.Services.AddAuthorizationBuilder().AddPolicy(DocumentAccessPolicy, policy => policy
            .AddAuthenticationSchemes(ScrapbookSchemes.AdminKey)
            .RequireAssertion(context => context.Resource is not HttpContext http
                || !string.Equals(http.GetRouteValue("documentName") as string, AdminDocument, StringComparison.Ordinal)
                || context.User.IsAdmin()));
        return builder;
    }

    /// <summary>Maps <see cref="RoutePattern"/>; the admin document answers 401/403 without the admin key.</summary>
    public static IEndpointConventionBuilder MapScrapbookOpenApi(this IEndpointRouteBuilder app) =>
        app.MapOpenApi(RoutePattern).RequireAuthorization(DocumentAccessPolicy);

    /// <summary>
    /// Declares the problems an endpoint answers with, by their stable <see cref="ProblemTypes"/>: one
    /// <c>application/problem+json</c> response per status, whose description lists the types (and
    /// <c>x-problem-types</c> carries them for code).
    /// </summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params string[] types) where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in types.Select(ProblemTypes.StatusOf).Distinct())
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), ["application/problem+json"]));
        }

        return builder.WithMetadata(new ProblemTypesMetadata(types));
    }

    private static void Configure(Microsoft.AspNetCore.OpenApi.OpenApiOptions options, string title, bool admin)
    {
        options.ShouldInclude = description => IsAdminOperation(description.ActionDescriptor.EndpointMetadata) == admin;
        options.AddDocumentTransformer(new ScrapbookDocumentTransformer(title));
        options.AddOperationTransformer(new ScrapbookOperationTransformer());
    }

    internal static bool IsAdminOperation(IEnumerable<object> metadata) =>
        metadata.OfType<IAuthorizeData>().Any(a => a.Policy == ScrapbookPolicies.Admin);
}

/// <summary>The problem types an endpoint declared with <see cref="ScrapbookOpenApi.ProducesProblems"/>.</summary>
internal sealed record ProblemTypesMetadata(IReadOnlyList<string> Types);
