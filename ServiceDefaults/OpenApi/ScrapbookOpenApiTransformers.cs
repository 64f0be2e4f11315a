using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults.Authentication;

namespace Scrapbook.ServiceDefaults.OpenApi;

/// <summary>Title, and the security schemes the operations refer to.</summary>
internal sealed class ScrapbookDocumentTransformer(string title) : IOpenApiDocumentTransformer
{
    /// <summary>The one problem-details schema every error response refers to (so clients get one error type).</summary>
    public const string ProblemDetailsSchema = "ProblemDetails";

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = title,
            Version = "v1",
            Description = "Errors are RFC 9457 problem details whose `type` is stable; each response lists the types it can carry.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ScrapbookOpenApi.OwnerBearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The owner token from `POST /api/session`, for apps, the CLI and the extension.",
        };
        document.Components.SecuritySchemes[ScrapbookOpenApi.OwnerCookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = OwnerToken.CookieName,
            Description = "The same owner token as the HttpOnly cookie `POST /api/session` sets for browsers.",
        };
        document.Components.SecuritySchemes[ScrapbookOpenApi.AdminKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = AdminKeyAuthenticationOptions.HeaderName,
            Description = "The deployment's admin key.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(ProblemDetailsSchema)
            && await context.GetOrCreateSchemaAsync(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), parameterDescription: null, cancellationToken) is OpenApiSchema schema)
        {
            document.Components.Schemas[ProblemDetailsSchema] = schema;
        }
    }
}

/// <summary>
/// Per operation: the security requirement its authorization policy means, 401/403 where it has one, and the problem
/// types it declared (<see cref="ScrapbookOpenApi.ProducesProblems"/>) on the responses of their statuses.
/// </summary>
internal sealed class ScrapbookOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToHashSet();
        var schemes = new List<string?>();
        if (policies.Contains(ScrapbookPolicies.Anyone))
        {
            schemes.AddRange([null, ScrapbookOpenApi.OwnerBearerScheme, ScrapbookOpenApi.OwnerCookieScheme, ScrapbookOpenApi.AdminKeyScheme]);
        }
        else if (policies.Contains(ScrapbookPolicies.OwnerOrAdmin))
        {
            schemes.AddRange([ScrapbookOpenApi.OwnerBearerScheme, ScrapbookOpenApi.OwnerCookieScheme, ScrapbookOpenApi.AdminKeyScheme]);
        }
        else if (policies.Contains(ScrapbookPolicies.Owner))
        {
            schemes.AddRange([ScrapbookOpenApi.OwnerBearerScheme, ScrapbookOpenApi.OwnerCookieScheme]);
        }
        else if (policies.Contains(ScrapbookPolicies.Admin))
        {
            schemes.Add(ScrapbookOpenApi.AdminKeyScheme);
        }

        var types = metadata.OfType<ProblemTypesMetadata>().SelectMany(m => m.Types).ToList();
        if (schemes.Count > 0)
        {
            operation.Security = [.. schemes.Select(scheme => scheme is null
                ? new OpenApiSecurityRequirement()
                : new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] })];
            if (!schemes.Contains(null))
            {
                types.Add(ProblemTypes.Unauthorized);
                types.Add(ProblemTypes.Forbidden);
            }
        }

        foreach (var group in types.Distinct().GroupBy(ProblemTypes.StatusOf))
        {
            var status = group.Key.ToString(System.Globalization.CultureInfo.InvariantCulture);
            operation.Responses ??= [];
            if (!operation.Responses.TryGetValue(status, out var response) || response is not OpenApiResponse concrete)
            {
                concrete = new OpenApiResponse();
                operation.Responses[status] = concrete;
            }

            concrete.Description = $"Problem details of type {string.Join(", ", group.Select(t => $"`{t}`"))}.";
            concrete.Content ??= new Dictionary<string, OpenApiMediaType>();
            if (!concrete.Content.TryGetValue("application/problem+json", out var media) || media.Schema is null)
            {
                concrete.Content["application/problem+json"] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchemaReference(ScrapbookDocumentTransformer.ProblemDetailsSchema, context.Document),
                };
            }

            concrete.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            concrete.Extensions["x-problem-types"] = new JsonNodeExtension(new JsonArray([.. group.Select(t => (JsonNode)JsonValue.Create(t)!)]));
        }

        return Task.CompletedTask;
    }
}
