using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// Forwards one request to a destination of its route's cluster, following YARP's design points: one shared
/// <see cref="HttpMessageInvoker"/>, hop-by-hop headers dropped both ways, bodies streamed both ways (never buffered),
/// response buffering off with a flush per read so SSE flows as written, the client's abort cancelling the upstream
/// call, an idle timeout reset whenever bytes move, and destination failures answered 502/504 as ProblemDetails.
/// </summary>
internal sealed partial class HttpForwarder(HttpMessageInvoker invoker, DestinationSelector destinations, ILogger<HttpForwarder> logger)
{
    private const int BufferSize = 64 * 1024;

    // The handler's propagator writes the current trace context; the client's own copies must not compete with it.
    private static readonly HashSet<string> s_notCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        HeaderNames.Host, "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For",
        HeaderNames.TraceParent, HeaderNames.TraceState, "Request-Id", HeaderNames.Baggage, "Correlation-Context",
    };

    public async Task ForwardAsync(HttpContext context, RouteOptions route)
    {
        // Upstream errors carry their own bodies; an empty one is passed on as it is, not dressed up by the gateway.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = route.MaxRequestBodySize;
        }

        if (context.Request.ContentLength > route.MaxRequestBodySize)
        {
            await GatewayProblems.TooLargeAsync(context, route.MaxRequestBodySize);
            return;
        }

        using var idle = new IdleTimeout(route.IdleTimeout, context.RequestAborted);
        HttpRequestMessage? request = null;
        HttpResponseMessage? response = null;
        Uri? failed = null;
        try
        {
            while (response is null)
            {
                var destination = destinations.Pick(route.Cluster, except: failed);
                if (destination is null)
                {
                    await WriteBadGatewayAsync(context, route, failed is null ? "no destination is configured" : "no destination accepted a connection");
                    return;
                }

                // Kept until the response is copied: the destination may answer while the request body still streams.
                request?.Dispose();
                request = CreateRequest(context, destination, idle);
                try
                {
                    idle.Reset();
                    response = await invoker.SendAsync(request, idle.Token);
                    destinations.ReportSuccess(destination);
                }
                catch (Exception ex) when (context.RequestAborted.IsCancellationRequested)
                {
                    LogClientAborted(logger, route.Prefix, ex.GetType().Name);
                    return;
                }
                catch (Exception) when (idle.HasFired)
                {
                    await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, GatewayProblems.GatewayTimeout,
                        "Gateway timeout", $"{route.Cluster} sent nothing for {route.IdleTimeout.TotalSeconds:0.#} s.");
                    return;
                }
                catch (HttpRequestException ex) when (FindBadRequest(ex) is { } badRequest)
                {
                    // Kestrel refused the client's body while it was being streamed (too large, too slow, malformed).
                    if (badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge)
                    {
                        await GatewayProblems.TooLargeAsync(context, route.MaxRequestBodySize);
                    }
                    else
                    {
                        context.Response.StatusCode = badRequest.StatusCode;
                    }

                    return;
                }
                catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError)
                {
                    destinations.ReportConnectFailure(destination);
                    LogConnectFailed(logger, destination, route.Cluster, ex.Message);
                    // Safe to try another replica only while none of the request body has been consumed.
                    if (request.Content is StreamingRequestContent { Started: true })
                    {
                        await WriteBadGatewayAsync(context, route, "the destination failed to connect");
                        return;
                    }

                    failed = destination;
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
                {
                    LogForwardFailed(logger, destination, route.Cluster, ex.Message);
                    await WriteBadGatewayAsync(context, route, "the destination failed before answering");
                    return;
                }
            }

            await CopyResponseAsync(context, response, idle);
        }
        finally
        {
            response?.Dispose();
            request?.Dispose();
        }
    }

    private static HttpRequestMessage CreateRequest(HttpContext context, Uri destination, IdleTimeout idle)
    {
        var incoming = context.Request;
        var target = new Uri(string.Concat(
            destination.GetLeftPart(UriPartial.Authority),
            destination.AbsolutePath.TrimEnd('/'),
            incoming.PathBase.ToUriComponent(),
            incoming.Path.ToUriComponent(),
            incoming.QueryString.Value));
        var request = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), target)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? incoming.ContentLength > 0)
        {
            request.Content = new StreamingRequestContent(incoming.Body, idle, context.RequestAborted);
        }

        var namedInConnection = HopByHopHeaders.NamedInConnection(incoming.Headers.Connection);
        foreach (var (name, value) in incoming.Headers)
        {
            if (name.StartsWith(':') || s_notCopied.Contains(name) || HopByHopHeaders.IsHopByHop(name, namedInConnection))
            {
                continue;
            }

            var added = value.Count == 1
                ? request.Headers.TryAddWithoutValidation(name, value.ToString())
                : request.Headers.TryAddWithoutValidation(name, value.OfType<string>());
            if (!added && request.Content is not null)
            {
                _ = value.Count == 1
                    ? request.Content.Headers.TryAddWithoutValidation(name, value.ToString())
                    : request.Content.Headers.TryAddWithoutValidation(name, value.OfType<string>());
            }
        }

        // The one public entry: the client address is appended to what earlier proxies said; scheme and host are ours.
        var clientAddress = context.Connection.RemoteIpAddress?.ToString();
        var forwardedFor = incoming.Headers["X-Forwarded-For"].Where(v => !string.IsNullOrWhiteSpace(v)).Append(clientAddress).OfType<string>();
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", string.Join(", ", forwardedFor));
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        return request;
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage upstream, IdleTimeout idle)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        var namedInConnection = upstream.Headers.NonValidated.TryGetValues(HeaderNames.Connection, out var connection)
            ? HopByHopHeaders.NamedInConnection(connection.ToArray())
            : null;
        CopyHeaders(upstream.Headers.NonValidated, response.Headers, namedInConnection);
        CopyHeaders(upstream.Content.Headers.NonValidated, response.Headers, namedInConnection);

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            idle.Reset();
            await using var body = await upstream.Content.ReadAsStreamAsync(idle.Token);
            if (IsEventStream(upstream))
            {
                // An SSE client must see the stream open before the first event, however long that takes.
                await response.StartAsync(idle.Token);
            }

            var writer = response.BodyWriter;
            var reading = body.ReadAsync(buffer, idle.Token);
            int read;
            while ((read = await reading) > 0)
            {
                idle.Reset();
                writer.Write(buffer.AsSpan(0, read));
                reading = body.ReadAsync(buffer, idle.Token);
                // What the destination sent is flushed before waiting for more, so no event is held back, while a
                // response that has already arrived whole leaves in one write together with its end.
                if (!reading.IsCompleted)
                {
                    await writer.FlushAsync(idle.Token);
                    idle.Reset();
                }
            }

            await response.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
        {
            // The status line has gone out, so the only honest signal left is to cut the connection.
            if (!context.RequestAborted.IsCancellationRequested)
            {
                LogResponseCut(logger, context.Request.Path, idle.HasFired ? "idle timeout" : ex.Message);
                context.Abort();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CopyHeaders(HttpHeadersNonValidated from, IHeaderDictionary to, HashSet<string>? namedInConnection)
    {
        foreach (var (name, values) in from)
        {
            if (!HopByHopHeaders.IsHopByHop(name, namedInConnection))
            {
                to[name] = values.Count == 1 ? values.ToString() : values.ToArray();
            }
        }
    }

    private static bool IsEventStream(HttpResponseMessage upstream) =>
        string.Equals(upstream.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);

    private Task WriteBadGatewayAsync(HttpContext context, RouteOptions route, string why)
    {
        LogBadGateway(logger, route.Cluster, why);
        context.Response.Headers.RetryAfter = "5";
        return GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, GatewayProblems.BadGateway,
            "Bad gateway", $"{route.Cluster} is unavailable: {why}.").AsTask();
    }

    private static BadHttpRequestException? FindBadRequest(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is BadHttpRequestException badRequest)
            {
                return badRequest;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination} of {Cluster} refused the connection: {Reason}")]
    private static partial void LogConnectFailed(ILogger logger, Uri destination, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Destination} of {Cluster} failed: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, Uri destination, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered 502 for {Cluster}: {Reason}")]
    private static partial void LogBadGateway(ILogger logger, string cluster, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client left {Route} before the answer ({Exception})")]
    private static partial void LogClientAborted(ILogger logger, string route, string exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Response to {Path} cut mid-body: {Reason}")]
    private static partial void LogResponseCut(ILogger logger, string path, string reason);
}
