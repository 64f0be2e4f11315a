using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gateway.Extensions;
using Scrapbook.Gateway.Forwarding;

namespace Scrapbook.Gateway.Apis;

/// <summary>The configured routes (ARCHITECTURE §6), each forwarded to its service, and <c>/internal</c> closed.</summary>
internal static class ForwardedRoutesApi
{
    public static IEndpointRouteBuilder MapForwardedRoutes(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var forwarder = app.ServiceProvider.GetRequiredService<HttpForwarder>();
        foreach (var route in options.Routes)
        {
            var endpoint = app.Map(route.Prefix + "/{**rest}", context => forwarder.ForwardAsync(context, route))
                .WithDisplayName($"Forward {route.Prefix} to {route.Cluster}")
                .ExcludeFromDescription();
            if (route.RateLimited)
            {
                endpoint.RequireRateLimiting(ServiceCollectionExtensions.UploadsRateLimitPolicy);
            }
        }

        // Service-to-service endpoints are never public, whatever the routes say.
        app.Map("/internal/{**rest}", NotRouted).ExcludeFromDescription();
        return app;
    }

    private static Task NotRouted(HttpContext context) =>
        GatewayProblems.WriteAsync(context, StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found").AsTask();
}
