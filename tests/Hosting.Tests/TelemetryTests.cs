using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Scrapbook.Hosting.Telemetry;
using Scrapbook.Hosting.Telemetry.Otlp;

namespace Scrapbook.Hosting.Tests;

/// <summary>The dashboard's OTLP receiver and telemetry API, fed by the real OpenTelemetry SDK over OTLP/HTTP protobuf.</summary>
public sealed partial class TelemetryTests : TelemetryDashboardTest
{
    [Fact]
    public async Task SpansOfTwoServicesFormOneTraceWithItsRootResourcesDurationAndError()
    {
        var origin = DateTime.UtcNow.AddSeconds(-10);
        string uploadTrace, slowTrace, fastTrace;
        using (var gateway = Dashboard.Tracing("gateway", Source + ".gateway"))
        using (var upload = Dashboard.Tracing("upload-api", Source + ".upload"))
        using (var gatewaySource = new ActivitySource(Source + ".gateway"))
        using (var uploadSource = new ActivitySource(Source + ".upload"))
        {
            // gateway GET /api/uploads (0-120 ms) → client call (10-110 ms) → upload-api server span that fails (20-100 ms).
            using (var root = gatewaySource.StartActivity("POST /api/uploads", ActivityKind.Server, default(ActivityContext))!)
            {
                root.SetStartTime(origin);
                root.SetTag("http.route", "/api/uploads");
                using (var call = gatewaySource.StartActivity("POST", ActivityKind.Client)!)
                {
                    call.SetStartTime(origin.AddMilliseconds(10));
                    using (var server = uploadSource.StartActivity("POST /api/uploads", ActivityKind.Server, call.Context)!)
                    {
                        server.SetStartTime(origin.AddMilliseconds(20));
                        server.SetTag("photo.size", 12345);
                        server.AddEvent(new ActivityEvent("exception", origin.AddMilliseconds(90), new ActivityTagsCollection { ["exception.type"] = "IOException" }));
                        server.SetStatus(ActivityStatusCode.Error, "disk full");
                        server.SetEndTime(origin.AddMilliseconds(100));
                    }

                    call.SetEndTime(origin.AddMilliseconds(110));
                }

                root.SetEndTime(origin.AddMilliseconds(120));
                uploadTrace = root.TraceId.ToHexString();
            }

            slowTrace = EndedSpan(gatewaySource, "GET /api/photos", origin.AddSeconds(1), TimeSpan.FromMilliseconds(900));
            fastTrace = EndedSpan(gatewaySource, "GET /health", origin.AddSeconds(2), TimeSpan.FromMilliseconds(3));
        }

        var traces = (await Dashboard.GetJsonAsync("/api/traces")).EnumerateArray().ToList();
        Assert.Equal([fastTrace, slowTrace, uploadTrace], traces.Select(t => t.GetProperty("traceId").GetString()));

        var uploadSummary = traces[2];
        Assert.Equal("POST /api/uploads", uploadSummary.GetProperty("rootName").GetString());
        Assert.Equal("gateway", uploadSummary.GetProperty("rootResource").GetString());
        Assert.Equal(["gateway", "upload-api"], uploadSummary.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(3, uploadSummary.GetProperty("spanCount").GetInt32());
        Assert.True(uploadSummary.GetProperty("hasError").GetBoolean());
        Assert.False(traces[0].GetProperty("hasError").GetBoolean());
        Assert.Equal(120, uploadSummary.GetProperty("durationMs").GetDouble(), 3);
        Assert.Equal(origin, uploadSummary.GetProperty("start").GetDateTimeOffset().UtcDateTime, TimeSpan.FromMilliseconds(1));

        Assert.Equal([slowTrace, uploadTrace, fastTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?sort=slowest")));
        Assert.Equal([uploadTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?errorsOnly=true")));
        Assert.Equal([uploadTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?resource=upload-api")));
        Assert.Equal([slowTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?text=api/PHOTOS")));
        Assert.Equal([uploadTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?text=12345")));
        Assert.Equal([fastTrace], Ids(await Dashboard.GetJsonAsync("/api/traces?limit=1")));

        var detail = await Dashboard.GetJsonAsync($"/api/traces/{uploadTrace}");
        var spans = detail.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(["gateway", "gateway", "upload-api"], spans.Select(s => s.GetProperty("resource").GetString()));
        Assert.Equal(["Server", "Client", "Server"], spans.Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal(JsonValueKind.Null, spans[0].GetProperty("parentSpanId").ValueKind);
        Assert.Equal(spans[0].GetProperty("spanId").GetString(), spans[1].GetProperty("parentSpanId").GetString());
        Assert.Equal(spans[1].GetProperty("spanId").GetString(), spans[2].GetProperty("parentSpanId").GetString());
        var failed = spans[2];
        Assert.Equal("Error", failed.GetProperty("status").GetString());
        Assert.Equal(80, failed.GetProperty("durationMs").GetDouble(), 3);
        Assert.Equal("12345", failed.GetProperty("attributes").GetProperty("photo.size").GetString());
        var exception = Assert.Single(failed.GetProperty("events").EnumerateArray());
        Assert.Equal("exception", exception.GetProperty("name").GetString());
        Assert.Equal("IOException", exception.GetProperty("attributes").GetProperty("exception.type").GetString());
        Assert.Equal(origin.AddMilliseconds(90), exception.GetProperty("time").GetDateTimeOffset().UtcDateTime, TimeSpan.FromMilliseconds(1));

        using var unknown = await Dashboard.Api.GetAsync($"/api/traces/{ActivityTraceId.CreateRandom().ToHexString()}", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badSort = await Dashboard.Api.GetAsync("/api/traces?sort=sideways", Cancellation);
        Assert.Equal(HttpStatusCode.BadRequest, badSort.StatusCode);
    }

    [Fact]
    public async Task LogsKeepTheirTraceAndFilterByResourceLevelAndText()
    {
        string traceId, spanId;
        using (var tracing = Dashboard.Tracing("upload-api", Source))
        using (var source = new ActivitySource(Source))
        using (var gatewayLogs = Dashboard.Logging("gateway"))
        using (var uploadLogs = Dashboard.Logging("upload-api"))
        {
            var gatewayLogger = gatewayLogs.CreateLogger("Scrapbook.Gateway.Forwarder");
            var uploadLogger = uploadLogs.CreateLogger("Scrapbook.Upload.Api");
            LogForwarded(gatewayLogger, "/api/photos");
            using (var activity = source.StartActivity("POST /api/uploads", ActivityKind.Server)!)
            {
                traceId = activity.TraceId.ToHexString();
                spanId = activity.SpanId.ToHexString();
                LogStored(uploadLogger, "cafe01");
                LogRejected(uploadLogger, "image/svg+xml");
            }
        }

        var all = (await Dashboard.GetJsonAsync("/api/logs")).EnumerateArray().ToList();
        Assert.Equal(3, all.Count);
        var rejected = all.Single(l => l.GetProperty("level").GetString() == "Warning");
        Assert.Equal("upload-api", rejected.GetProperty("resource").GetString());
        Assert.Equal("Scrapbook.Upload.Api", rejected.GetProperty("category").GetString());
        Assert.Equal("Rejected an upload of image/svg+xml", rejected.GetProperty("message").GetString());
        Assert.Equal(traceId, rejected.GetProperty("traceId").GetString());
        Assert.Equal(spanId, rejected.GetProperty("spanId").GetString());
        Assert.Equal("image/svg+xml", rejected.GetProperty("attributes").GetProperty("ContentType").GetString());
        Assert.True(rejected.TryGetProperty("time", out _));

        var forwarded = all.Single(l => l.GetProperty("resource").GetString() == "gateway");
        Assert.Equal(JsonValueKind.Null, forwarded.GetProperty("traceId").ValueKind);
        Assert.Equal("Debug", forwarded.GetProperty("level").GetString());

        Assert.Equal(["Rejected an upload of image/svg+xml"], Messages(await Dashboard.GetJsonAsync("/api/logs?level=Warning")));
        Assert.Equal(2, (await Dashboard.GetJsonAsync("/api/logs?level=Information")).GetArrayLength());
        Assert.Equal(
            ["Rejected an upload of image/svg+xml", "Stored original cafe01"],
            Messages(await Dashboard.GetJsonAsync("/api/logs?resource=upload-api")));
        Assert.Equal(["Stored original cafe01"], Messages(await Dashboard.GetJsonAsync("/api/logs?text=CAFE01")));
        Assert.Equal(["Forwarded /api/photos"], Messages(await Dashboard.GetJsonAsync("/api/logs?resource=gateway&level=Debug&text=forwarded")));

        // The log's trace id leads to the trace that holds its span.
        var trace = await Dashboard.GetJsonAsync($"/api/traces/{traceId}");
        Assert.Equal(spanId, Assert.Single(trace.GetProperty("spans").EnumerateArray()).GetProperty("spanId").GetString());

        using var badLevel = await Dashboard.Api.GetAsync("/api/logs?level=loud", Cancellation);
        Assert.Equal(HttpStatusCode.BadRequest, badLevel.StatusCode);
    }

    [Fact]
    public async Task CounterAndHistogramPointsAreKeptPerResourceAndInstrument()
    {
        using (var metrics = Dashboard.Metrics("thumbnail-worker", Source))
        using (var meter = new Meter(Source))
        {
            // The other replica's meter: the same instrument names, its own cumulative values.
            using (var otherReplica = Dashboard.Metrics("thumbnail-worker", Source + ".1", replica: 1))
            using (var otherMeter = new Meter(Source + ".1"))
            {
                otherMeter.CreateCounter<long>("thumbnails.rendered").Add(100, new KeyValuePair<string, object?>("preset", "thumb"));
                Assert.True(otherReplica.ForceFlush(10_000));
            }

            var rendered = meter.CreateCounter<long>("thumbnails.rendered");
            var duration = meter.CreateHistogram<double>("thumbnails.duration", "ms", "Time to render one photo's renditions");
            rendered.Add(3, new KeyValuePair<string, object?>("preset", "thumb"));
            duration.Record(10);
            duration.Record(30);
            Assert.True(metrics.ForceFlush(10_000));
            rendered.Add(4, new KeyValuePair<string, object?>("preset", "thumb"));
            duration.Record(50);
            Assert.True(metrics.ForceFlush(10_000));
        }

        var instruments = Assert.Single((await Dashboard.GetJsonAsync("/api/metrics")).EnumerateArray());
        Assert.Equal("thumbnail-worker", instruments.GetProperty("resource").GetString());
        var byName = instruments.GetProperty("instruments").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!);
        Assert.Equal("sum", byName["thumbnails.rendered"].GetProperty("type").GetString());
        Assert.Equal("histogram", byName["thumbnails.duration"].GetProperty("type").GetString());
        Assert.Equal("ms", byName["thumbnails.duration"].GetProperty("unit").GetString());

        var counterPoints = (await Dashboard.GetJsonAsync("/api/metrics/thumbnail-worker/thumbnails.rendered")).GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(100, counterPoints.First(p => p.GetProperty("instance").GetString() == "thumbnail-worker-1").GetProperty("value").GetDouble());
        var counter = counterPoints.Where(p => p.GetProperty("instance").GetString() == "thumbnail-worker-0").ToList();
        Assert.True(counter.Count >= 2, $"{counter.Count} counter points");
        // Cumulative, as the .NET SDK exports sums by default: 3, then 3 + 4.
        Assert.Equal(3, counter[0].GetProperty("value").GetDouble());
        Assert.Equal(7, counter[^1].GetProperty("value").GetDouble());
        Assert.Equal("thumb", counter[^1].GetProperty("attributes").GetProperty("preset").GetString());

        var histogram = (await Dashboard.GetJsonAsync("/api/metrics/thumbnail-worker/thumbnails.duration")).GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(2UL, histogram[0].GetProperty("count").GetUInt64());
        Assert.Equal(40, histogram[0].GetProperty("sum").GetDouble());
        Assert.Equal(20, histogram[0].GetProperty("value").GetDouble());
        Assert.Equal(10, histogram[0].GetProperty("min").GetDouble());
        Assert.Equal(3UL, histogram[^1].GetProperty("count").GetUInt64());
        Assert.Equal(50, histogram[^1].GetProperty("max").GetDouble());

        using var unknown = await Dashboard.Api.GetAsync("/api/metrics/thumbnail-worker/nothing.here", Cancellation);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task TheReceiverWantsItsApiKeyAndTheApiWantsTheDashboardToken()
    {
        using (var wrongKey = Dashboard.Tracing("gateway", Source, apiKey: "not-the-key"))
        using (var source = new ActivitySource(Source))
        {
            EndedSpan(source, "GET /sneaky", DateTime.UtcNow, TimeSpan.FromMilliseconds(5));
        }

        Assert.Equal(0, Dashboard.Store.SpanCount);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Dashboard.Port}") };
        using (var missing = await client.SendAsync(Post("/v1/traces", new ExportTraceServiceRequest().ToByteArray()), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        }

        using (var wrong = await client.SendAsync(Post("/v1/logs", [], "wrong"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var right = await client.SendAsync(Post("/v1/metrics", new ExportMetricsServiceRequest().ToByteArray(), Dashboard.OtlpApiKey), Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            Assert.Equal("application/x-protobuf", right.Content.Headers.ContentType?.MediaType);
            ExportMetricsServiceResponse.Parser.ParseFrom(await right.Content.ReadAsByteArrayAsync(Cancellation));
        }

        // The OTLP key is not a dashboard token, and a wrong token is refused.
        foreach (var authorization in new[] { null, "Bearer wrong", $"Bearer {Dashboard.OtlpApiKey}" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/traces");
            request.Headers.Authorization = authorization is null ? null : AuthenticationHeaderValue.Parse(authorization);
            using var response = await client.SendAsync(request, Cancellation);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task GarbageIs400OversizedIs413AndGzipIsAccepted()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Dashboard.Port}") };
        var key = Dashboard.OtlpApiKey;

        // A field tag whose length prefix runs past the end of the body.
        using (var garbage = await client.SendAsync(Post("/v1/traces", [0x0A, 0xFF, 0xFF, 0x01, 0x02], key), Cancellation))
        {
            Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        }

        using (var notGzip = await client.SendAsync(Post("/v1/logs", [1, 2, 3], key, gzip: false, contentEncoding: "gzip"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notGzip.StatusCode);
        }

        using (var json = await client.SendAsync(Post("/v1/traces", "{}"u8.ToArray(), key, contentType: "application/json"), Cancellation))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        }

        // Small on the wire, larger than the limit once inflated.
        using (var bomb = await client.SendAsync(Post("/v1/traces", new byte[OtlpReceiver.MaxBodyBytes + 1], key, gzip: true), Cancellation))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
        }

        using (var large = await client.SendAsync(Post("/v1/traces", new byte[OtlpReceiver.MaxBodyBytes + 1], key), Cancellation))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        }

        var traceId = ActivityTraceId.CreateRandom();
        var request = new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new TelemetryResource { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "notify-api" } } } },
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Spans =
                            {
                                Proto(traceId, "GET /api/events"),
                                new Span { Name = "no ids" },
                            },
                        },
                    },
                },
            },
        };
        using (var zipped = await client.SendAsync(Post("/v1/traces", request.ToByteArray(), key, gzip: true), Cancellation))
        {
            Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
            var answer = ExportTraceServiceResponse.Parser.ParseFrom(await zipped.Content.ReadAsByteArrayAsync(Cancellation));
            Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        }

        var trace = Assert.Single((await Dashboard.GetJsonAsync("/api/traces")).EnumerateArray());
        Assert.Equal(traceId.ToHexString(), trace.GetProperty("traceId").GetString());
        Assert.Equal("notify-api", trace.GetProperty("rootResource").GetString());
    }

    [Fact]
    public async Task RetentionKeepsOnlyTheNewestSpansLogsAndPoints()
    {
        await using var small = await TelemetryTestDashboard.StartAsync(new TelemetryLimits(MaxSpans: 20, MaxLogs: 15, MaxPointsPerInstrument: 4, MaxInstruments: 2));
        var traceIds = new List<string>();
        using (var tracing = small.Tracing("gateway", Source))
        using (var metrics = small.Metrics("gateway", Source))
        using (var source = new ActivitySource(Source))
        using (var meter = new Meter(Source))
        {
            var origin = DateTime.UtcNow.AddMinutes(-1);
            var requests = meter.CreateCounter<int>("requests");
            for (var i = 0; i < 30; i++)
            {
                traceIds.Add(EndedSpan(source, $"GET /item/{i}", origin.AddMilliseconds(i * 10), TimeSpan.FromMilliseconds(1)));
                requests.Add(1);
                Assert.True(metrics.ForceFlush(10_000));
            }

            // Before the provider's last flush on dispose adds a point.
            var points = (await small.GetJsonAsync("/api/metrics/gateway/requests")).GetProperty("points").EnumerateArray();
            Assert.Equal([27, 28, 29, 30], points.Select(p => p.GetProperty("value").GetDouble()));

            // Two instruments at most: the third one's points are dropped and counted.
            meter.CreateCounter<int>("second").Add(1);
            Assert.True(metrics.ForceFlush(10_000));
            meter.CreateCounter<int>("third").Add(1);
            Assert.True(metrics.ForceFlush(10_000));
            Assert.Equal(
                ["requests", "second"],
                Assert.Single((await small.GetJsonAsync("/api/metrics")).EnumerateArray()).GetProperty("instruments").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
            Assert.True(small.Store.DroppedPoints > 0);
        }

        using (var logs = small.Logging("gateway"))
        {
            var logger = logs.CreateLogger("Retention");
            for (var i = 0; i < 40; i++)
            {
                LogStored(logger, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(20, small.Store.SpanCount);
        Assert.Equal(traceIds[10..].AsEnumerable().Reverse(), Ids(await small.GetJsonAsync("/api/traces?limit=1000")));
        using (var evicted = await small.Api.GetAsync($"/api/traces/{traceIds[9]}", Cancellation))
        {
            Assert.Equal(HttpStatusCode.NotFound, evicted.StatusCode);
        }

        var logsHeld = Messages(await small.GetJsonAsync("/api/logs?limit=1000"));
        Assert.Equal(Enumerable.Range(25, 15).Reverse().Select(i => $"Stored original {i}"), logsHeld);
    }

    private static string EndedSpan(ActivitySource source, string name, DateTime start, TimeSpan duration)
    {
        using var activity = source.StartActivity(name, ActivityKind.Server, default(ActivityContext))!;
        activity.SetStartTime(start);
        activity.SetEndTime(start + duration);
        return activity.TraceId.ToHexString();
    }

    private static Span Proto(ActivityTraceId traceId, string name)
    {
        var traceBytes = new byte[16];
        traceId.CopyTo(traceBytes);
        var spanBytes = new byte[8];
        ActivitySpanId.CreateRandom().CopyTo(spanBytes);
        var start = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);
        return new Span
        {
            TraceId = ByteString.CopyFrom(traceBytes),
            SpanId = ByteString.CopyFrom(spanBytes),
            Name = name,
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 2_000_000,
        };
    }

    private static HttpRequestMessage Post(string path, byte[] body, string? key = null, bool gzip = false, string? contentEncoding = null, string contentType = "application/x-protobuf")
    {
        if (gzip)
        {
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Fastest))
            {
                zip.Write(body);
            }

            body = compressed.ToArray();
            contentEncoding = "gzip";
        }

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        if (key is not null)
        {
            request.Headers.Add(OtlpReceiver.ApiKeyHeader, key);
        }

        return request;
    }

    private static List<string?> Ids(JsonElement traces) => [.. traces.EnumerateArray().Select(t => t.GetProperty("traceId").GetString())];

    private static List<string?> Messages(JsonElement logs) => [.. logs.EnumerateArray().Select(l => l.GetProperty("message").GetString())];

    [LoggerMessage(Level = LogLevel.Debug, Message = "Forwarded {Path}")]
    private static partial void LogForwarded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored original {Sha256}")]
    private static partial void LogStored(ILogger logger, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected an upload of {ContentType}")]
    private static partial void LogRejected(ILogger logger, string contentType);
}
