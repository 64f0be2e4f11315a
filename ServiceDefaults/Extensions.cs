using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Polly;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Telemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Scrapbook service shares: telemetry, health, service discovery, resilient HTTP clients,
/// problem details. Aspire's ServiceDefaults project, with what Scrapbook adds on top: ProblemDetails types, retries of
/// idempotent calls only, quiet framework logs, and no spans for health probes or parentless background calls.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AliveEndpointPath = "/alive";
    public const string LiveTag = "live";

    private static readonly Dictionary<string, string?> s_defaultLogLevels = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning", // every successful attempt is an Information line; retries are Warnings
        // The Azure SDK logs every request at Information and every error answer at Warning, expected ones too (a 404 for a
        // missing blob, a 409 for one already there); failures that matter reach the caller's own logs as exceptions.
        ["Logging:LogLevel:Azure.Core"] = "Error",
    };

    /// <summary>
    /// Defaults for HTTP services: <see cref="AddBasicServiceDefaults{TBuilder}"/> plus ProblemDetails, which
    /// <see cref="MapDefaultEndpoints"/> then uses for unhandled exceptions and empty error responses.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.AddBasicServiceDefaults();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Problems ASP.NET Core writes itself (binding errors, status code pages) get the stable types too.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if (context.Exception is OwnerResolutionUnavailableException)
            {
                context.ProblemDetails.Title = "Who you are cannot be checked right now.";
                context.ProblemDetails.Detail = "Your owner token could not be checked; try again shortly.";
                context.HttpContext.Response.Headers.RetryAfter =
                    ((int)OwnerResolutionUnavailableException.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if ((context.ProblemDetails.Type is null || context.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
                && ProblemTypes.ForStatus(status) is { } type)
            {
                context.ProblemDetails.Type = type;
            }
        });
        // After ASP.NET Core's writer: a client that does not accept JSON still gets its problem, not a 500.
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, AnyAcceptProblemDetailsWriter>());
        // Minimal APIs throw BadHttpRequestException for malformed bodies in Development: the client's fault, so its 4xx.
        // An owner that cannot be resolved (Gallery.Api unreachable) is a dependency being down, not a fault: 503, and no
        // error log per request (the resolver's source logs the outage).
        builder.Services.Configure<ExceptionHandlerOptions>(options =>
        {
            options.StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException badRequest => badRequest.StatusCode,
                OwnerResolutionUnavailableException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            };
            options.SuppressDiagnosticsCallback = context => context.Exception is OwnerResolutionUnavailableException;
        });
        return builder;
    }

    /// <summary>
    /// Defaults for every process, the worker included: OpenTelemetry, health checks, service discovery and
    /// resilience on every <see cref="HttpClient"/> made by <see cref="IHttpClientFactory"/>.
    /// </summary>
    public static TBuilder AddBasicServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Lowest-precedence defaults: ASP.NET Core's, HttpClient's and Polly's per-request Information lines (four per
        // request, health probes included, more per outgoing call) would drown the services' own logs in the dashboard.
        // Any appsettings file, environment variable or command-line setting still overrides them.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = s_defaultLogLevels });
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.TryAddSingleton<Failpoints>();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler(ConfigureResilience);
            // After resilience, so that every retry resolves an endpoint again (and may reach another replica).
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces through OpenTelemetry, exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (the AppHost sets it to the dashboard; Azure Container Apps to its collector). The service's own spans and
    /// instruments come from <see cref="ServiceTelemetry"/>, named after <c>OTEL_SERVICE_NAME</c>.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var serviceName = ServiceTelemetry.GetServiceName(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(sp => new ServiceTelemetry(serviceName, sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceName))
            .WithTracing(tracing => tracing
                .SetSampler(new BackgroundCallSampler())
                .AddSource(serviceName)
                // Probes arrive every few seconds and would bury real traffic.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsHealthEndpoint(context.Request.Path))
                .AddHttpClientInstrumentation(options => options.EnrichWithHttpResponseMessage = ExpectedResponses.Enrich));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary><c>self</c>, tagged <c>live</c>: the process answers. Services add their dependencies' checks untagged.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check: ready to serve) and <c>/alive</c> (checks tagged <c>live</c>). When
    /// ProblemDetails are registered (<see cref="AddServiceDefaults{TBuilder}"/>) it also adds the exception handler
    /// and status code pages, so errors reach clients as RFC 9457 bodies and never as stack traces.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        if (app.Services.GetService<IProblemDetailsService>() is not null)
        {
            // Added here rather than by a startup filter so it sits inside the developer exception page that
            // WebApplication adds in Development: this handler answers first, in every environment.
            app.UseExceptionHandler();
            app.UseStatusCodePages();
        }

        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AliveEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }

    internal static bool IsHealthEndpoint(PathString path) =>
        path.StartsWithSegments(HealthEndpointPath) || path.StartsWithSegments(AliveEndpointPath);

    private static void ConfigureResilience(HttpStandardResilienceOptions options)
    {
        // Defaults kept: 3 retries, 10 s per attempt, 30 s in all. Said here so the policy reads in one place.
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;

        // Retrying a POST or PATCH could apply it twice, so only idempotent methods are retried (RFC 9110 §9.2.2).
        // DisableForUnsafeHttpMethods() would also stop retries of PUT and DELETE, which are safe to repeat.
        var isTransient = options.Retry.ShouldHandle;
        options.Retry.ShouldHandle = async args =>
            IsIdempotent(args.Context.GetRequestMessage()?.Method) && await isTransient(args).ConfigureAwait(false);
    }

    private static bool IsIdempotent(HttpMethod? method) =>
        method is not null
        && (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options
            || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Trace);
}
