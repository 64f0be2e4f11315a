using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Scrapbook.Gateway.Proxy;

/// <summary>What the gateway adds to YARP's transforms on every route.</summary>
internal static class ProxyTransforms
{
    public static void Apply(TransformBuilderContext context)
    {
        DropConnectionNominatedHeaders(context);
        StartEventStreamsAtOnce(context);
    }

    /// <summary>
    /// An event stream's status and headers go to the client as soon as the service sends them. YARP would hold them
    /// until the first byte of the body, so a client would not know its stream is open (and could not tell a quiet
    /// stream from a stuck one) until the first event or heartbeat.
    /// </summary>
    private static void StartEventStreamsAtOnce(TransformBuilderContext context) =>
        context.AddResponseTransform(static async transform =>
        {
            if (transform.ProxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                // A flush sends the status line and headers (StartAsync alone only buffers them).
                await transform.HttpContext.Response.Body.FlushAsync(transform.CancellationToken);
            }
        });

    /// <summary>
    /// Headers that a <c>Connection</c> header names are for the next hop only (RFC 9110 §7.6.1), both ways. YARP drops the
    /// standard hop-by-hop headers itself; these are the ones a client or a service made up.
    /// </summary>
    private static void DropConnectionNominatedHeaders(TransformBuilderContext context)
    {
        context.AddRequestTransform(static transform =>
        {
            foreach (var name in Nominated(transform.HttpContext.Request.Headers.Connection))
            {
                transform.ProxyRequest.Headers.Remove(name);
                transform.ProxyRequest.Content?.Headers.Remove(name);
            }

            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(static transform =>
        {
            if (transform.ProxyResponse?.Headers.NonValidated.TryGetValues("Connection", out var connection) == true)
            {
                foreach (var name in Nominated(new StringValues([.. connection])))
                {
                    transform.HttpContext.Response.Headers.Remove(name);
                }
            }

            return ValueTask.CompletedTask;
        });
    }

    private static IEnumerable<string> Nominated(StringValues connection)
    {
        foreach (var value in connection)
        {
            foreach (var token in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!token.Equals("close", StringComparison.OrdinalIgnoreCase) && !token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase)
                    && !token.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    yield return token;
                }
            }
        }
    }
}
