using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Scrapbook.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry wired with the bare 1.20 SDK, because OpenTelemetry.Extensions.Hosting is not in our feed: the
/// tracer and meter providers are built with <see cref="Sdk"/> inside singleton factories (so the host's container
/// owns and disposes them) and <see cref="TelemetryLifetime"/> flushes them on stop. Logs use the logging
/// provider the base package puts into the host's container.
/// </summary>
internal static class TelemetryRegistration
{
    private static readonly string[] s_activitySources =
    [
        "Microsoft.AspNetCore",
        "System.Net.Http",
        "Scrapbook.*",
    ];

    private static readonly string[] s_meters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
        "Scrapbook.*",
    ];

    public static void AddScrapbookTelemetry(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var serviceName = ServiceTelemetry.GetServiceName(configuration, builder.Environment);
        var export = OtlpExportSettings.FromConfiguration(configuration);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(ConfigureResource(ResourceBuilder.CreateDefault(), serviceName));
            if (export is not null)
            {
                logging.AddOtlpExporter(options => export.Apply(options, "v1/logs"));
            }
        });

        builder.Services.AddSingleton(sp => new ServiceTelemetry(serviceName, sp.GetRequiredService<IMeterFactory>()));

        builder.Services.AddSingleton(sp =>
        {
            var hostConfiguration = sp.GetRequiredService<IConfiguration>();
            var tracing = Sdk.CreateTracerProviderBuilder()
                // The SDK reads OTEL_* settings (batching, headers, resource attributes) from the IConfiguration in
                // its own container; hand it the host's so values set by code or appsettings count too.
                .ConfigureServices(services => services.AddSingleton(hostConfiguration))
                .ConfigureResource(resource => ConfigureResource(resource, serviceName))
                .SetSampler(new BackgroundCallSampler())
                .AddSource(serviceName)
                .AddSource(s_activitySources);
            if (export is not null)
            {
                tracing.AddOtlpExporter(options => export.Apply(options, "v1/traces"));
            }

            return tracing.Build();
        });

        builder.Services.AddSingleton(sp =>
        {
            var hostConfiguration = sp.GetRequiredService<IConfiguration>();
            var metrics = Sdk.CreateMeterProviderBuilder()
                .ConfigureServices(services => services.AddSingleton(hostConfiguration))
                .ConfigureResource(resource => ConfigureResource(resource, serviceName))
                .AddMeter(serviceName)
                .AddMeter(s_meters);
            if (export is not null)
            {
                metrics.AddOtlpExporter(options => export.Apply(options, "v1/metrics"));
            }

            return metrics.Build();
        });

        builder.Services.AddHostedService<TelemetryLifetime>();
        builder.Services.AddTransient<IStartupFilter, RequestTelemetryMiddleware.StartupFilter>();
    }

    /// <remarks>
    /// Later detectors win: OTEL_RESOURCE_ATTRIBUTES (say, the service.instance.id the AppHost assigns) overrides
    /// the instance id generated here, which only stands in when none is configured.
    /// </remarks>
    private static ResourceBuilder ConfigureResource(ResourceBuilder resource, string serviceName) =>
        resource
            .AddService(serviceName, autoGenerateServiceInstanceId: true)
            .AddEnvironmentVariableDetector();
}
