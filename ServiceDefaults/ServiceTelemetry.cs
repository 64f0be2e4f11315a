using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// The service's own <see cref="ActivitySource"/> and <see cref="Meter"/>, both named after the service, so that
/// spans and instruments a service creates are exported next to the platform's. Resolve it from DI.
/// </summary>
public sealed class ServiceTelemetry : IDisposable
{
    /// <summary>The configuration key Aspire and the OpenTelemetry SDKs read the service name from.</summary>
    public const string ServiceNameKey = "OTEL_SERVICE_NAME";

    internal ServiceTelemetry(string name, IMeterFactory meterFactory)
    {
        Name = name;
        ActivitySource = new ActivitySource(name);
        Meter = meterFactory.Create(name);
    }

    /// <summary>The service name: <c>OTEL_SERVICE_NAME</c>, else the application name.</summary>
    public string Name { get; }

    public ActivitySource ActivitySource { get; }

    /// <summary>Owned by the host's <see cref="IMeterFactory"/>, which disposes it.</summary>
    public Meter Meter { get; }

    public static string GetServiceName(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);

        var configured = configuration[ServiceNameKey];
        return string.IsNullOrWhiteSpace(configured) ? environment.ApplicationName : configured.Trim();
    }

    public void Dispose() => ActivitySource.Dispose();
}
