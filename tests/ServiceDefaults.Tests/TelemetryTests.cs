using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scrapbook.ServiceDefaults.Tests.Infrastructure;

namespace Scrapbook.ServiceDefaults.Tests;

public sealed partial class TelemetryTests : IAsyncLifetime
{
    private readonly string _serviceName = $"sd-test-{Guid.NewGuid():N}";
    private OtlpReceiver _receiver = null!;
    private TestService _service = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _service = await TestService.StartAsync(
            builder => builder.AddServiceDefaults(),
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapGet("/orders/{id}", GetOrder);
                app.MapGet("/relay/{id}", (int id, HttpContext context, IHttpClientFactory clients) => CallOrderAsync(context, clients, id, background: false));
                app.MapGet("/chore/{id}", (int id, HttpContext context, IHttpClientFactory clients) => CallOrderAsync(context, clients, id, background: true));
            },
            new Dictionary<string, string?>
            {
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Endpoint.ToString(),
                ["OTEL_SERVICE_NAME"] = _serviceName,
                ["OTEL_RESOURCE_ATTRIBUTES"] = "service.instance.id=instance-42,deployment.environment.name=test",
                // Ten minutes: during a test, telemetry can only reach the receiver through the flush on stop.
                ["OTEL_BSP_SCHEDULE_DELAY"] = "600000",
                ["OTEL_METRIC_EXPORT_INTERVAL"] = "600000",
            });
    }

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task ARequestIsExportedAsAServerSpanNamedAfterItsRouteWhenTheServiceStops()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var client = _service.CreateClient();

        using var response = await client.SendAsync(Get("/orders/7", traceId), TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.DoesNotContain(_receiver.Spans(), s => s.TraceId == traceId.ToHexString());

        await _service.StopAsync();

        var spans = _receiver.Spans().Where(s => s.TraceId == traceId.ToHexString()).ToList();
        var server = Assert.Single(spans, s => s.Kind == ExportedSpan.ServerKind);
        Assert.Equal("GET /orders/{id}", server.Name);
        Assert.Equal("Microsoft.AspNetCore", server.ScopeName);
        Assert.Equal("/orders/{id}", server.Attribute("http.route"));
        Assert.Equal("/orders/7", server.Attribute("url.path"));
        Assert.Equal("GET", server.Attribute("http.request.method"));
        Assert.Equal("200", server.Attribute("http.response.status_code"));
        Assert.Equal(_serviceName, server.ResourceAttributes["service.name"]);
        Assert.Equal("instance-42", server.ResourceAttributes["service.instance.id"]);
        Assert.Equal("test", server.ResourceAttributes["deployment.environment.name"]);

        var own = Assert.Single(spans, s => s.Name == "load-order");
        Assert.Equal(_serviceName, own.ScopeName);
        Assert.Equal("7", own.Attribute("order.id"));
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

        var spans = _receiver.Spans();
        // The request made after the probes was exported, so the probes had every chance to be.
        Assert.Contains(spans, s => s.TraceId == requestTrace.ToHexString() && s.Kind == ExportedSpan.ServerKind);
        Assert.DoesNotContain(spans, s => s.TraceId == healthTrace.ToHexString());
        Assert.DoesNotContain(spans, s => s.TraceId == aliveTrace.ToHexString());
    }

    [Fact]
    public async Task MetricsAndLogsAreExportedWhenTheServiceStops()
    {
        using var client = _service.CreateClient();
        using var response = await client.GetAsync("/orders/9", TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.Empty(_receiver.Bodies("metrics"));

        await _service.StopAsync();

        // Protobuf carries strings as raw UTF-8, so finding names in the bytes is enough here.
        var metrics = _receiver.Bodies("metrics");
        Assert.Contains(metrics, body => Contains(body, "http.server.request.duration") && Contains(body, _serviceName) && Contains(body, "instance-42"));
        Assert.Contains(metrics, body => Contains(body, "orders.loaded"));

        var logs = _receiver.Bodies("logs");
        Assert.Contains(logs, body => Contains(body, "Loading order 9") && Contains(body, _serviceName) && Contains(body, "instance-42"));
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

        var spans = _receiver.Spans();
        var relayed = Assert.Single(spans, s => s.Kind == ClientKind && s.Attribute("url.full")?.EndsWith("/orders/3", StringComparison.Ordinal) == true);
        Assert.Equal(relayTrace.ToHexString(), relayed.TraceId);
        Assert.Contains(spans, s => s.Kind == ExportedSpan.ServerKind && s.Attribute("url.path") == "/orders/3" && s.TraceId == relayTrace.ToHexString());

        // The chore's call ran (the request answered 200 only if it did) but is not recorded, and neither is what it
        // caused downstream: the call carries an unsampled traceparent, which the server side follows.
        Assert.Contains(spans, s => s.Kind == ExportedSpan.ServerKind && s.Attribute("url.path") == "/chore/4" && s.TraceId == choreTrace.ToHexString());
        Assert.DoesNotContain(spans, s => s.Kind == ClientKind && s.Attribute("url.full")?.EndsWith("/orders/4", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(spans, s => s.Attribute("url.path") == "/orders/4" || s.Attribute("order.id") == "4");
    }

    private const int ClientKind = 3;

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

    private static HttpRequestMessage Get(string path, ActivityTraceId traceId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        // A sampled W3C parent chosen by the test, so the test can find exactly the spans its request caused.
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return request;
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

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
