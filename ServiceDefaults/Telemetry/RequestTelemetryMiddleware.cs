using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Scrapbook.ServiceDefaults.Telemetry;

/// <summary>
/// Does for the server span what OpenTelemetry.Instrumentation.AspNetCore would (that package is not in our feed):
/// ASP.NET Core starts the span but leaves it nameless and untagged, so this names it <c>{method} {route}</c> and
/// adds the HTTP semantic-convention attributes. It also keeps health probes out of traces.
/// </summary>
/// <remarks>
/// Runs outermost (<see cref="StartupFilter"/>), so it sees every request of this application, and only this
/// application's — unlike an ActivityListener, which would see every host in the process.
/// </remarks>
internal sealed class RequestTelemetryMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var activity = context.Features.Get<IHttpActivityFeature>()?.Activity;
        if (activity is null || !activity.Recorded)
        {
            await next(context);
            return;
        }

        if (ServiceDefaultsExtensions.IsHealthEndpoint(context.Request.Path))
        {
            // Probes arrive every few seconds and would bury real traffic. Without the Recorded flag the SDK's export
            // processor drops the span when it ends, and the parent-based sampler drops any span started beneath it.
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            await next(context);
            return;
        }

        var method = NormalizeMethod(context.Request.Method);
        AddRequestTags(activity, context.Request, method);

        try
        {
            await next(context);
        }
        catch (Exception exception)
        {
            Complete(activity, context, method, StatusCodes.Status500InternalServerError, exception);
            throw;
        }

        Complete(activity, context, method, context.Response.StatusCode, exception: null);
    }

    private static void AddRequestTags(Activity activity, HttpRequest request, string method)
    {
        activity.DisplayName = method;
        activity.SetTag("http.request.method", method);
        if (method == "_OTHER")
        {
            activity.SetTag("http.request.method_original", request.Method);
        }

        activity.SetTag("url.scheme", request.Scheme);
        activity.SetTag("url.path", request.Path.Value);
        activity.SetTag("server.address", request.Host.Host);
        if (request.Host.Port is { } port)
        {
            activity.SetTag("server.port", port);
        }

        if (request.Protocol.StartsWith("HTTP/", StringComparison.Ordinal))
        {
            activity.SetTag("network.protocol.version", request.Protocol["HTTP/".Length..]);
        }

        if (request.Headers.UserAgent is [{ } userAgent, ..])
        {
            activity.SetTag("user_agent.original", userAgent);
        }
    }

    private static void Complete(Activity activity, HttpContext context, string method, int statusCode, Exception? exception)
    {
        // The exception handler clears the endpoint before it re-executes, so a failed request may have no route.
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route })
        {
            activity.SetTag("http.route", route);
            activity.DisplayName = $"{method} {route}";
        }

        activity.SetTag("http.response.status_code", statusCode);
        if (exception is not null || statusCode >= StatusCodes.Status500InternalServerError)
        {
            activity.SetTag("error.type", exception?.GetType().FullName ?? statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    private static string NormalizeMethod(string method) =>
        HttpMethods.GetCanonicalizedValue(method) switch
        {
            var known when HttpMethods.IsGet(known) || HttpMethods.IsPost(known) || HttpMethods.IsPut(known)
                || HttpMethods.IsDelete(known) || HttpMethods.IsPatch(known) || HttpMethods.IsHead(known)
                || HttpMethods.IsOptions(known) || HttpMethods.IsConnect(known) || HttpMethods.IsTrace(known) => known,
            // Arbitrary methods would make span names unbounded (semantic conventions: "_OTHER").
            _ => "_OTHER",
        };

    internal sealed class StartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<RequestTelemetryMiddleware>();
            next(app);
        };
    }
}
