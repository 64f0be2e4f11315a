using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

/// <summary>
/// What ServiceDefaults' OpenTelemetry set-up records, read with the SDK's in-memory exporter added beside the OTLP one.
/// </summary>
public sealed partial class TelemetryTests : IAsyncLifetime
{
    private readonly string _serviceName = $"sd-test-{Guid.NewGuid():N}";
    private readonly List<Activity> _spans = [];
    private readonly List<Metric> _metrics = [];
    private readonly List<LogRecord> _logs = [];
    private TestService _service = null!;

    public async ValueTask InitializeAsync()
    {
        _service = await TestService.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults();
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
                builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(_metrics));
                builder.Services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(_logs));
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/orders/{id}", GetOrder);
                app.MapGet("/relay/{id}", (int id, HttpContext context, IHttpClientFactory clients) => CallOrderAsync(context, clients, id, background: false));
                app.MapGet("/chore/{id}", (int id, HttpContext context, IHttpClientFactory clients) => CallOrderAsync(context, clients, id, background: true));
                app.MapPut("/blobs/{name}", () => TypedResults.Conflict());
                app.MapGet("/store/{name}", (string name, bool ifAbsent, HttpContext context, IHttpClientFactory clients) => PutBlobAsync(context, clients, name, ifAbsent));
            },
            new Dictionary<string, string?>
            {
                ["OTEL_SERVICE_NAME"] = _serviceName,
                ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=instance-42,deployment.environment.name=test",
            });
    }

    public async ValueTask DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task ARequestIsTracedAsAServerSpanNamedAfterItsRouteUnderTheConfiguredServiceName()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var client = _service.CreateClient();

        using var response = await client.SendAsync(Get("/orders/7", traceId), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        await _service.StopAsync();

        var spans = Spans(traceId);
        var server = Assert.Single(spans, s => s.Kind == ActivityKind.Server);
        Assert.Equal("GET /orders/{id}", server.DisplayName);
        Assert.Equal("/orders/{id}", server.GetTagItem("http.route"));
        Assert.Equal("/orders/7", server.GetTagItem("url.path"));
        Assert.Equal(200, server.GetTagItem("http.response.status_code"));

        var own = Assert.Single(spans, s => s.DisplayName == "load-order");
        Assert.Equal(_serviceName, own.Source.Name);
        Assert.Equal(7, own.GetTagItem("order.id"));

        var resource = _service.App.Services.GetRequiredService<TracerProvider>().GetResource().Attributes.ToDictionary(a => a.Key, a => a.Value);
        Assert.Equal(_serviceName, resource["service.name"]);
        Assert.Equal("instance-42", resource["service.instance.id"]);
        Assert.Equal("test", resource["deployment.environment.name"]);
    }

    [Fact]
    public async Task ACreateIfAbsentPutAnsweredConflictIsNotAnErrorSpanButAnUnconditionalOneIs()
    {
        var (ifAbsentTrace, plainTrace) = (ActivityTraceId.CreateRandom(), ActivityTraceId.CreateRandom());
        using var client = _service.CreateClient();

        using (var ifAbsent = await client.SendAsync(Get("/store/a?ifAbsent=true", ifAbsentTrace), TestContext.Current.CancellationToken))
        using (var plain = await client.SendAsync(Get("/store/b?ifAbsent=false", plainTrace), TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.Conflict, ifAbsent.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Conflict, plain.StatusCode);
        }

        await _service.StopAsync();

        var expected = Assert.Single(Spans(ifAbsentTrace), s => s.Kind == ActivityKind.Client);
        Assert.Equal(409, expected.GetTagItem("http.response.status_code"));
        Assert.Equal(ActivityStatusCode.Unset, expected.Status);
        Assert.Null(expected.GetTagItem("error.type"));
        var failed = Assert.Single(Spans(plainTrace), s => s.Kind == ActivityKind.Client);
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
    }

    [Fact]
    public async Task HealthProbesProduceNoSpans()
    {
        var healthTrace = ActivityTraceId.CreateRandom();
        var aliveTrace = ActivityTraceId.CreateRandom();
        var requestTrace = ActivityTraceId.CreateRandom();
        using var client = _service.CreateClient();

        using (var health = await client.SendAsync(Get("/health", healthTrace), TestContext.Current.CancellationToken))
        using (var alive = await client.SendAsync(Get("/alive", aliveTrace), TestContext.Current.CancellationToken))
        using (var order = await client.SendAsync(Get("/orders/8", requestTrace), TestContext.Current.CancellationToken))
        {
            Assert.Equal("Healthy", await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal("Healthy", await alive.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            order.EnsureSuccessStatusCode();
        }

        await _service.StopAsync();

        // The request made after the probes was recorded, so the probes had every chance to be.
        Assert.Contains(Spans(requestTrace), s => s.Kind == ActivityKind.Server);
        Assert.Empty(Spans(healthTrace));
        Assert.Empty(Spans(aliveTrace));
    }

    [Fact]
    public async Task RequestMetricsTheServicesOwnInstrumentsAndItsLogsAreRecorded()
    {
        using var client = _service.CreateClient();
        using var response = await client.GetAsync("/orders/9", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();

        Assert.True(_service.App.Services.GetRequiredService<MeterProvider>().ForceFlush());
        await _service.StopAsync();

        Assert.Contains(Snapshot(_metrics), m => m.Name == "http.server.request.duration");
        Assert.Contains(Snapshot(_metrics), m => m.Name == "orders.loaded" && m.MeterName == _serviceName);
        Assert.Contains(Snapshot(_logs), l => l.FormattedMessage == "Loading order 9");
    }

    [Fact]
    public async Task AnOutgoingCallIsTracedUnderItsRequestButABackgroundCallWithoutAParentIsNot()
    {
        var relayTrace = ActivityTraceId.CreateRandom();
        var choreTrace = ActivityTraceId.CreateRandom();
        using var client = _service.CreateClient();

        using (var relay = await client.SendAsync(Get("/relay/3", relayTrace), TestContext.Current.CancellationToken))
        using (var chore = await client.SendAsync(Get("/chore/4", choreTrace), TestContext.Current.CancellationToken))
        {
            relay.EnsureSuccessStatusCode();
            chore.EnsureSuccessStatusCode();
        }

        await _service.StopAsync();

        var spans = Snapshot(_spans);
        var relayed = Assert.Single(spans, s => s.Kind == ActivityKind.Client && Tag(s, "url.full")?.EndsWith("/orders/3", StringComparison.Ordinal) == true);
        Assert.Equal(relayTrace, relayed.TraceId);
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server && Tag(s, "url.path") == "/orders/3" && s.TraceId == relayTrace);

        // The chore's call ran (the request answered 200 only if it did) but is not recorded, and neither is what it
        // caused downstream: the call carries an unsampled traceparent, which the server side follows.
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server && Tag(s, "url.path") == "/chore/4" && s.TraceId == choreTrace);
        Assert.DoesNotContain(spans, s => s.Kind == ActivityKind.Client && Tag(s, "url.full")?.EndsWith("/orders/4", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(spans, s => Tag(s, "url.path") == "/orders/4" || s.GetTagItem("order.id") is 4);
    }

    private List<Activity> Spans(ActivityTraceId traceId) => [.. Snapshot(_spans).Where(s => s.TraceId == traceId)];

    private static List<T> Snapshot<T>(List<T> exported)
    {
        lock (exported)
        {
            return [.. exported];
        }
    }

    private static string? Tag(Activity activity, string name) => activity.GetTagItem(name)?.ToString();

    /// <summary>Calls this service's <c>/orders/{id}</c>: within the request, or as background work with no parent span.</summary>
    private static async Task<IResult> CallOrderAsync(HttpContext context, IHttpClientFactory clients, int id, bool background)
    {
        var url = new Uri($"{context.Request.Scheme}://{context.Request.Host}/orders/{id}");
        if (background)
        {
            Activity.Current = null; // restored when this method returns: an async method's changes stay inside it
        }

        using var http = clients.CreateClient();
        using var response = await http.GetAsync(url, context.RequestAborted);
        return TypedResults.StatusCode((int)response.StatusCode);
    }

    private static async Task<IResult> PutBlobAsync(HttpContext context, IHttpClientFactory clients, string name, bool ifAbsent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"{context.Request.Scheme}://{context.Request.Host}/blobs/{name}"));
        if (ifAbsent)
        {
            request.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Any);
        }

        using var http = clients.CreateClient();
        using var response = await http.SendAsync(request, context.RequestAborted);
        return TypedResults.StatusCode((int)response.StatusCode);
    }

    private static HttpRequestMessage Get(string path, ActivityTraceId traceId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        // A sampled W3C parent chosen by the test, so the test can find exactly the spans its request caused.
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return request;
    }

    private static IResult GetOrder(int id, ServiceTelemetry telemetry, ILogger<TelemetryTests> logger)
    {
        LogLoadingOrder(logger, id);
        using var activity = telemetry.ActivitySource.StartActivity("load-order");
        activity?.SetTag("order.id", id);
        telemetry.Meter.CreateCounter<int>("orders.loaded").Add(1);
        return TypedResults.Ok(new { id });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading order {OrderId}")]
    private static partial void LogLoadingOrder(ILogger logger, int orderId);
}
