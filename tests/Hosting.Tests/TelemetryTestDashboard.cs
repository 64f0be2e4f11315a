using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scrapbook.Hosting.Dashboard;
using Scrapbook.Hosting.Telemetry;
using Scrapbook.Testing;

namespace Scrapbook.Hosting.Tests;

/// <summary>
/// The dashboard server exactly as the AppHost starts it (its own Kestrel on a free loopback port, token login, OTLP
/// receiver with its API key), in front of an empty application model, and the real OpenTelemetry SDK pointed at it.
/// </summary>
internal sealed class TelemetryTestDashboard : IAsyncDisposable
{
    private readonly TempDirectory _state = new("telemetry");
    private readonly DistributedApplication _application;
    private readonly DashboardServer _dashboard;

    private TelemetryTestDashboard(TelemetryLimits limits)
    {
        Port = FreePort.Next();
        _application = HostingTestSupport.CreateBuilder(_state).Build();
        _dashboard = new DashboardServer(_application, Port, new TelemetryStore(limits));
        Api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}") };
        Api.DefaultRequestHeaders.Authorization = HostingTestSupport.DashboardToken(_dashboard.LoginUrl);
    }

    public int Port { get; }

    public string LoginUrl => _dashboard.LoginUrl;

    public string OtlpApiKey => _dashboard.OtlpApiKey;

    public TelemetryStore Store => _dashboard.Telemetry;

    /// <summary>A client that carries the dashboard token.</summary>
    public HttpClient Api { get; }

    public static async Task<TelemetryTestDashboard> StartAsync(TelemetryLimits? limits = null)
    {
        var dashboard = new TelemetryTestDashboard(limits ?? new TelemetryLimits());
        await dashboard._dashboard.StartAsync(TestContext.Current.CancellationToken);
        return dashboard;
    }

    /// <summary>
    /// A tracer provider for one service, configured the way ServiceDefaults configures its exporter: endpoint and
    /// protocol in code, the API key only through <c>OTEL_EXPORTER_OTLP_HEADERS</c> in configuration. Spans export as
    /// they end.
    /// </summary>
    public TracerProvider Tracing(string serviceName, string sourceName, string? apiKey = null) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(Configuration(apiKey)))
            .SetResourceBuilder(Resource(serviceName))
            .AddSource(sourceName)
            .AddOtlpExporter(options =>
            {
                Configure(options, "v1/traces");
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build();

    public MeterProvider Metrics(string serviceName, string meterName, int replica = 0) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureServices(services => services.AddSingleton(Configuration(null)))
            .SetResourceBuilder(Resource(serviceName, replica))
            .AddMeter(meterName)
            .AddOtlpExporter(options => Configure(options, "v1/metrics"))
            .Build();

    /// <summary>Logs export in batches; disposing the factory flushes them.</summary>
    public ILoggerFactory Logging(string serviceName) =>
        LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddOpenTelemetry(options =>
        {
            options.IncludeFormattedMessage = true;
            options.SetResourceBuilder(Resource(serviceName));
            options.AddOtlpExporter(exporter =>
            {
                Configure(exporter, "v1/logs");
                exporter.Headers = $"{OtlpReceiver.ApiKeyHeader}={OtlpApiKey}";
            });
        }));

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Api.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _dashboard.DisposeAsync();
        await _application.DisposeAsync();
        _state.Dispose();
    }

    private static ResourceBuilder Resource(string serviceName, int replica = 0) =>
        ResourceBuilder.CreateEmpty().AddService(serviceName, serviceInstanceId: $"{serviceName}-{replica}");

    private IConfiguration Configuration(string? apiKey) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_HEADERS"] = $"{OtlpReceiver.ApiKeyHeader}={apiKey ?? OtlpApiKey}",
            })
            .Build();

    private void Configure(OtlpExporterOptions options, string signalPath)
    {
        options.Protocol = OtlpExportProtocol.HttpProtobuf;
        options.Endpoint = new Uri($"http://127.0.0.1:{Port}/{signalPath}");
        options.HttpClientFactory = () => new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
    }
}

/// <summary>A test class with its own dashboard per test and a unique instrumentation name (<see cref="Source"/>).</summary>
public abstract class TelemetryDashboardTest : IAsyncLifetime
{
    private protected string Source { get; } = $"Scrapbook.Tests.{Guid.NewGuid():N}";

    private protected TelemetryTestDashboard Dashboard { get; private set; } = null!;

    private protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Dashboard = await TelemetryTestDashboard.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await Dashboard.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
