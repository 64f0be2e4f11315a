using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Gateway.Forwarding;

namespace Scrapbook.Gateway.Apis;

/// <summary>The configured routes, each forwarded to its service, and <c>/internal</c> closed.</summary>
internal static class ForwardedRoutesApi
{
    public static IEndpointRouteBuilder MapForwardedRoutes(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<GatewayOptions>>().Value;
        var forwarder = app.ServiceProvider.GetRequiredService<HttpForwarder>();
        var rateLimiter = app.ServiceProvider.GetRequiredService<UploadRateLimiter>();
        foreach (var route in options.Routes)
        {
            RequestDelegate handler = route.RateLimited
                ? async context =>
                {
                    if (await rateLimiter.TryAcquireAsync(context))
                    {
                        await forwarder.ForwardAsync(context, route);
                    }
                }
                : context => forwarder.ForwardAsync(context, route);
            app.Map(route.Prefix + "/{**rest}", handler)
                .WithDisplayName($"Forward {route.Prefix} to {route.Cluster}")
                .ExcludeFromDescription();
        }

        // Service-to-service endpoints are never public, whatever the routes say.
        app.Map("/internal/{**rest}", NotRouted).ExcludeFromDescription();
        return app;
    }

    private static Task NotRouted(HttpContext context) =>
        GatewayProblems.WriteAsync(context, StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found").AsTask();
}
