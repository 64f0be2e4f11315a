using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// The whole system started by the real AppHost (Aspire.Hosting.Testing), used as a person would through the gateway,
/// with the photo's trace read back from the Aspire dashboard's telemetry API.
/// </summary>
public sealed class TraceTests(ScrapbookApp system) : IClassFixture<ScrapbookApp>
{
    private static readonly TimeSpan s_processingDeadline = TimeSpan.FromMinutes(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadArrivesLiveAsReadyItsThumbnailIsServedAndOneTraceOnTheDashboardCrossesEveryService()
    {
        using var http = system.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        await using var events = await SseConnection.OpenAsync(system.GatewayUrl, bearerToken: token, cancellationToken: Cancellation);
        Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);

        var uploaded = await UploadAsync(http, token, "live.jpg");
        var ready = await events.NextAsync(f => f.Event == EventTypes.PhotoReady && f.Data!.Contains(uploaded.Id.ToString("D"), StringComparison.Ordinal), s_processingDeadline, Cancellation);
        var photo = JsonSerializer.Deserialize(ready.Data!, ContractsJsonContext.Default.PhotoDto)!;
        Assert.Equal(uploaded.Id, photo.Id);
        Assert.Equal(PhotoStatus.Ready, photo.Status);

        using var thumbnail = await http.GetAsync(photo.Urls.Thumb, Cancellation);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Contains("immutable", thumbnail.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var webp = await thumbnail.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));

        var trace = await FindTraceOfPhotoAsync(photo.Id);
        Assert.Superset(ScrapbookApp.Services.ToHashSet(), trace.Services);
        Assert.Equal("gateway", trace.RootService);
    }

    private static async Task<PhotoDto> UploadAsync(HttpClient http, string token, string name)
    {
        using var folder = new TempDirectory("e2e");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, name), 800, 600, Cancellation);
        using var response = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation))!;
    }

    /// <summary>
    /// The trace holding the worker's span for the photo, as the dashboard has it (the API the <c>aspire otel</c>
    /// commands read: OTLP JSON). Export is batched, so it is polled until the trace has a single root and spans of
    /// all five services (bounded); a resource that sent nothing yet answers 404.
    /// </summary>
    private async Task<(HashSet<string> Services, string RootService)> FindTraceOfPhotoAsync(Guid photoId)
    {
        using var dashboard = system.CreateDashboardClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var seen = "no trace with a thumbnail-worker span for the photo";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await dashboard.GetAsync($"/api/telemetry/traces?resource=gateway&limit=50", Cancellation);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                response.EnsureSuccessStatusCode();
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancellation));
                var spans = OtlpSpans(document.RootElement.GetProperty("data")).ToList();
                var photoTraces = spans
                    .Where(s => s.Service == "thumbnail-worker" && s.Attributes.TryGetValue("scrapbook.photo.id", out var id) && id == photoId.ToString("D"))
                    .Select(s => s.TraceId)
                    .ToHashSet();
                foreach (var traceSpans in spans.Where(s => photoTraces.Contains(s.TraceId)).GroupBy(s => s.TraceId))
                {
                    var services = traceSpans.Select(s => s.Service).ToHashSet();
                    var roots = traceSpans.Where(s => s.ParentSpanId is null).ToList();
                    seen = $"trace {traceSpans.Key}: services [{string.Join(", ", services.Order())}], roots [{string.Join(", ", roots.Select(r => $"{r.Service}: {r.Name}"))}]";
                    if (roots.Count == 1 && services.IsSupersetOf(ScrapbookApp.Services))
                    {
                        return (services, roots[0].Service);
                    }
                }
            }

            await Task.Delay(500, Cancellation);
        }

        throw new TimeoutException($"No single trace on the dashboard crossed all five services for photo {photoId} within a minute; last seen: {seen}");
    }

    private sealed record Span(string TraceId, string? ParentSpanId, string Name, string Service, Dictionary<string, string?> Attributes);

    private static IEnumerable<Span> OtlpSpans(JsonElement data) =>
        from resourceSpans in data.GetProperty("resourceSpans").EnumerateArray()
        let service = Attributes(resourceSpans.GetProperty("resource"))["service.name"]!
        from scopeSpans in resourceSpans.GetProperty("scopeSpans").EnumerateArray()
        from span in scopeSpans.GetProperty("spans").EnumerateArray()
        select new Span(
            span.GetProperty("traceId").GetString()!,
            span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } parentId ? parentId : null,
            span.GetProperty("name").GetString()!,
            service,
            Attributes(span));

    private static Dictionary<string, string?> Attributes(JsonElement owner) =>
        owner.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().ToDictionary(
                a => a.GetProperty("key").GetString()!,
                a => (string?)a.GetProperty("value").EnumerateObject().FirstOrDefault().Value.ToString())
            : [];
}
