using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Scrapbook.ServiceDefaults.Telemetry;

/// <summary>
/// Creates the tracer and meter providers when the host starts (resolving them is what starts their listeners)
/// and flushes every provider once all hosted services, Kestrel included, have stopped. The container that created
/// the providers disposes them afterwards, which shuts their exporters down.
/// </summary>
internal sealed partial class TelemetryLifetime(
    TracerProvider tracerProvider,
    MeterProvider meterProvider,
    ILogger<TelemetryLifetime> logger,
    LoggerProvider? loggerProvider = null) : IHostedLifecycleService
{
    private const int FlushTimeoutMilliseconds = 5_000;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (!tracerProvider.ForceFlush(FlushTimeoutMilliseconds))
        {
            LogFlushIncomplete(logger, "traces", FlushTimeoutMilliseconds);
        }

        if (!meterProvider.ForceFlush(FlushTimeoutMilliseconds))
        {
            LogFlushIncomplete(logger, "metrics", FlushTimeoutMilliseconds);
        }

        // Last, so that anything logged while stopping is included. Taken at construction: while stopping, the
        // container may already be disposed (WebApplicationFactory disposes it before the host's stop finishes).
        if (loggerProvider is not null && !loggerProvider.ForceFlush(FlushTimeoutMilliseconds))
        {
            LogFlushIncomplete(logger, "logs", FlushTimeoutMilliseconds);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Exporting {Signal} did not finish within {TimeoutMilliseconds} ms while stopping; some telemetry may be lost.")]
    private static partial void LogFlushIncomplete(ILogger logger, string signal, int timeoutMilliseconds);
}
