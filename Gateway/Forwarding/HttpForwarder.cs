using System.Buffers;
using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Scrapbook.Contracts;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// Forwards one request to a destination of its route's cluster, following YARP's design points: one shared
/// <see cref="HttpMessageInvoker"/>, hop-by-hop headers dropped both ways, bodies streamed both ways (never buffered),
/// response buffering off with a flush whenever the destination pauses so SSE flows as written, the client's abort
/// cancelling the upstream call, an idle timeout reset whenever bytes move, and destination failures answered 502/504
/// as ProblemDetails.
/// </summary>
/// <remarks>
/// The success path does no logging and no LINQ, copies headers without validating them again, and holds a body
/// buffer only while bytes are moving: between reads it waits with a zero-byte read, so a quiet event stream costs
/// the gateway no buffer at all (see docs/benchmarks.md, SSE).
/// </remarks>
internal sealed partial class HttpForwarder(HttpMessageInvoker invoker, DestinationSelector destinations, ILogger<HttpForwarder> logger)
{
    /// <summary>Rented only while a body is being copied, returned whenever the source has nothing more yet.</summary>
    private const int BufferSize = 64 * 1024;

    // The handler's propagator writes the current trace context; the client's own copies must not compete with it.
    // X-Forwarded-* are rewritten from what this hop knows.
    private static readonly FrozenSet<string> s_notCopied = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        HeaderNames.Host, "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-For",
        HeaderNames.TraceParent, HeaderNames.TraceState, "Request-Id", HeaderNames.Baggage, "Correlation-Context");

    public async Task ForwardAsync(HttpContext context, RouteOptions route)
    {
        // Upstream errors carry their own bodies; an empty one is passed on as it is, not dressed up by the gateway.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } statusCodePages)
        {
            statusCodePages.Enabled = false;
        }

        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;
        if (hasBody)
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            {
                bodySize.MaxRequestBodySize = route.MaxRequestBodySize;
            }

            if (context.Request.ContentLength > route.MaxRequestBodySize)
            {
                await GatewayProblems.TooLargeAsync(context, route.MaxRequestBodySize);
                return;
            }
        }

        using var idle = new IdleTimeout(route.IdleTimeout, context.RequestAborted);
        HttpRequestMessage? request = null;
        HttpResponseMessage? response = null;
        Destination? failed = null;
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
                request = CreateRequest(context, destination, hasBody, idle);
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
                    await GatewayProblems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, ProblemTypes.GatewayTimeout,
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
                    LogConnectFailed(logger, destination.Address, route.Cluster, ex.Message);
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
                    LogForwardFailed(logger, destination.Address, route.Cluster, ex.Message);
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

    private static HttpRequestMessage CreateRequest(HttpContext context, Destination destination, bool hasBody, IdleTimeout idle)
    {
        var incoming = context.Request;
        var request = new HttpRequestMessage(HttpMethod.Parse(incoming.Method), new Uri(string.Concat(
            destination.Prefix,
            incoming.PathBase.ToUriComponent(),
            incoming.Path.ToUriComponent(),
            incoming.QueryString.Value)))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };

        if (hasBody)
        {
            request.Content = new StreamingRequestContent(incoming.Body, idle, context.RequestAborted);
        }

        var headers = incoming.Headers;
        var namedInConnection = HopByHopHeaders.NamedInConnection(headers.Connection);
        StringValues forwardedFor = default;
        foreach (var (name, value) in headers)
        {
            if (s_notCopied.Contains(name))
            {
                if (name.Equals("X-Forwarded-For", StringComparison.OrdinalIgnoreCase))
                {
                    forwardedFor = value;
                }

                continue;
            }

            if (name.StartsWith(':') || HopByHopHeaders.IsHopByHop(name, namedInConnection))
            {
                continue;
            }

            var added = value.Count == 1
                ? request.Headers.TryAddWithoutValidation(name, value.ToString())
                : request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            if (!added && request.Content is not null)
            {
                _ = value.Count == 1
                    ? request.Content.Headers.TryAddWithoutValidation(name, value.ToString())
                    : request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        // The one public entry: the client address is appended to what earlier proxies said (kept for the services'
        // information, never trusted here); scheme and host are ours.
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", AppendForwardedFor(forwardedFor, context.Connection.RemoteIpAddress));
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", incoming.Scheme);
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", incoming.Host.Value);
        return request;
    }

    private static string? AppendForwardedFor(StringValues earlier, IPAddress? client)
    {
        var address = client?.ToString();
        if (earlier.Count == 0)
        {
            return address;
        }

        var joined = new System.Text.StringBuilder();
        foreach (var value in earlier)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                joined.Append(joined.Length == 0 ? "" : ", ").Append(value);
            }
        }

        if (address is not null)
        {
            joined.Append(joined.Length == 0 ? "" : ", ").Append(address);
        }

        return joined.ToString();
    }

    private async Task CopyResponseAsync(HttpContext context, HttpResponseMessage upstream, IdleTimeout idle)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        var upstreamHeaders = upstream.Headers.NonValidated;
        var namedInConnection = upstreamHeaders.TryGetValues(HeaderNames.Connection, out var connection)
            ? HopByHopHeaders.NamedInConnection(connection)
            : null;
        CopyHeaders(upstreamHeaders, response.Headers, namedInConnection);
        CopyHeaders(upstream.Content.Headers.NonValidated, response.Headers, namedInConnection);

        // Whatever middleware a host adds (compression, caching), bytes go out as they arrive: SSE depends on it.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        byte[]? buffer = null;
        try
        {
            idle.Reset();
            await using var body = await upstream.Content.ReadAsStreamAsync(idle.Token);
            if (IsEventStream(upstream))
            {
                // An SSE client must see the stream open before the first event, however long that takes.
                await response.StartAsync(idle.Token);
            }

            // Wait for the first bytes without holding a buffer (a zero-byte read completes once data is there).
            var available = body.ReadAsync(Memory<byte>.Empty, idle.Token);
            if (!available.IsCompleted)
            {
                await available;
                idle.Reset();
            }
            else
            {
                available.GetAwaiter().GetResult();
            }

            buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            var writer = response.BodyWriter;
            while (true)
            {
                var read = await body.ReadAsync(buffer, idle.Token);
                if (read == 0)
                {
                    break;
                }

                idle.Reset();
                writer.Write(buffer.AsSpan(0, read));

                // More already here (a body that arrived whole): keep the buffer and leave in one write with the end.
                // Otherwise flush what the destination sent before waiting, so no event is held back, and wait
                // without the buffer.
                var more = body.ReadAsync(Memory<byte>.Empty, idle.Token);
                if (more.IsCompleted)
                {
                    more.GetAwaiter().GetResult();
                    continue;
                }

                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
                await writer.FlushAsync(idle.Token);
                idle.Reset();
                await more;
                idle.Reset();
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
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
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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
        upstream.Content.Headers.NonValidated.TryGetValues(HeaderNames.ContentType, out var contentType)
        && contentType.ToString().StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private Task WriteBadGatewayAsync(HttpContext context, RouteOptions route, string why)
    {
        LogBadGateway(logger, route.Cluster, why);
        context.Response.Headers.RetryAfter = "5";
        return GatewayProblems.WriteAsync(context, StatusCodes.Status502BadGateway, ProblemTypes.BadGateway,
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
