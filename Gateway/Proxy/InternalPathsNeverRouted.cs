using Yarp.ReverseProxy.Configuration;

namespace Scrapbook.Gateway.Proxy;

/// <summary>
/// Service-to-service endpoints (<c>/internal/**</c>) are never public, whatever the configuration says: a route whose
/// path could match them (one under <c>/internal</c>, or one starting with a parameter) stops the gateway at start,
/// and a changed configuration carrying one is refused.
/// </summary>
internal sealed class InternalPathsNeverRouted : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => new(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        var path = route.Match.Path;
        if (string.IsNullOrEmpty(path) || path.StartsWith("/{", StringComparison.Ordinal)
            || path.Equals("/internal", StringComparison.OrdinalIgnoreCase) || path.StartsWith("/internal/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"ReverseProxy route '{route.RouteId}' ({path ?? "no path"}) could match /internal/**, which is never routed; give it a fixed first segment such as /api.");
        }

        return new(route);
    }
}
