using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Scrapbook.Contracts;
using Yarp.ReverseProxy.Forwarder;

namespace Scrapbook.Gateway.Proxy;

/// <summary>
/// What runs around YARP's forwarder for every proxied request: request limits and errors as ProblemDetails, a second
/// replica when the first refuses the connection, then YARP's own load balancing.
/// </summary>
internal static partial class ProxyPipeline
{
    public static void Configure(IReverseProxyApplicationBuilder proxy)
    {
        proxy.Use(AnswerProblemsAsync);
        proxy.Use(TryAnotherReplicaAsync);
        proxy.UseLoadBalancing();
    }

    /// <summary>
    /// Refuses a declared body over the route's limit before anything is sent to the service, and turns YARP's errors
    /// (a bare status code) into ProblemDetails. A destination's own error responses pass as they are.
    /// </summary>
    /// <remarks>
    /// A chunked body has no length to check up front. Kestrel counts it against the route's limit while YARP streams
    /// it, and the moment it goes over, YARP cuts the request to the service mid-body: the service has seen at most the
    /// limit (plus what was in flight), its read of the body fails rather than ending, so it never acts on a partial
    /// upload; the client gets 413 unless the service had answered first.
    /// </remarks>
    private static async Task AnswerProblemsAsync(HttpContext context, Func<Task> next)
    {
        // Upstream errors carry their own bodies; an empty one is passed on as it is, not dressed up by the gateway.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        // YARP applies the route's MaxRequestBodySize after this middleware; until then Kestrel's default is in force.
        var limit = context.GetReverseProxyFeature().Route.Config.MaxRequestBodySize
            ?? context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (limit is > 0 && context.Request.ContentLength > limit)
        {
            await GatewayProblems.TooLargeAsync(context, limit);
            return;
        }

        await next();

        if (context.GetForwarderErrorFeature() is not { } error || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var cluster = context.GetReverseProxyFeature().Route.Cluster?.ClusterId ?? "the service";
        if (context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
        {
            LogForwardingFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxyPipeline)),
                context.Request.Path, error.Error, error.Exception?.Message);
        }

        switch (context.Response.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                await GatewayProblems.TooLargeAsync(context, limit);
                break;
            case StatusCodes.Status502BadGateway:
                context.Response.Headers.RetryAfter = "5";
                await GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, ProblemTypes.BadGateway,
                    "Bad gateway", $"{cluster} is unavailable: it refused the connection or failed before answering.");
                break;
            case StatusCodes.Status503ServiceUnavailable:
                context.Response.Headers.RetryAfter = "5";
                await GatewayProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemTypes.DependencyDown,
                    "Service unavailable", $"{cluster} has no destination to take the request.");
                break;
            case StatusCodes.Status504GatewayTimeout:
                await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, ProblemTypes.GatewayTimeout,
                    "Gateway timeout", $"{cluster} sent nothing for longer than its activity timeout.");
                break;
            default:
                // The client's own fault while its body was read (malformed chunking, too slow): its 4xx, typed by status.
                await GatewayProblems.WriteAsync(context, context.Response.StatusCode,
                    ProblemTypes.ForStatus(context.Response.StatusCode) ?? ProblemTypes.Malformed, "The request could not be forwarded");
                break;
        }
    }

    /// <summary>
    /// When a replica refuses the connection, the request goes to another one. Only then is that safe whatever the
    /// method: nothing of the request, not even the start of its body, has left the gateway. Each replica is tried once.
    /// Between its health probes (the cluster's <c>HealthCheck</c>), a stopped replica costs a refused connect, not a 502.
    /// </summary>
    private static async Task TryAnotherReplicaAsync(HttpContext context, Func<Task> next)
    {
        // Load balancing narrows the feature's list to the destination it picked; the others are kept here.
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        await next();

        while (context.GetForwarderErrorFeature() is { Error: ForwarderError.Request, Exception: var exception }
            && IsRefusedConnection(exception)
            && !context.Response.HasStarted
            && proxy.ProxiedDestination is { } refused
            && candidates.Contains(refused)
            && candidates.Count > 1)
        {
            LogReplicaRefused(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxyPipeline)),
                refused.DestinationId, proxy.Route.Cluster?.ClusterId);
            candidates = [.. candidates.Where(destination => destination != refused)];
            proxy.AvailableDestinations = candidates;
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            await next();
        }
    }

    private static bool IsRefusedConnection(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError })
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Path} failed ({Error}): {Reason}")]
    private static partial void LogForwardingFailed(ILogger logger, PathString path, ForwarderError error, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination} of {Cluster} refused the connection; trying another")]
    private static partial void LogReplicaRefused(ILogger logger, string destination, string? cluster);
}
