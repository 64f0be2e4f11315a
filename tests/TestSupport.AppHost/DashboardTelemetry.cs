using System.Net;
using System.Text.Json;

namespace Scrapbook.Testing;

/// <summary>A photo's trace as the Aspire dashboard has it: its id, the services with spans in it, and the root span's service.</summary>
public sealed record PhotoTrace(string TraceId, IReadOnlySet<string> Services, string RootService);

/// <summary>
/// Reads the Aspire dashboard's telemetry API (<c>/api/telemetry/traces</c>, the one the <c>aspire otel</c> commands
/// read), which answers in OTLP JSON: resourceSpans → scopeSpans → spans.
/// </summary>
public static class DashboardTelemetry
{
    /// <summary>
    /// Polls (bounded) until the dashboard holds a trace with the worker's span for <paramref name="photoId"/>, a single
    /// root, and spans of every one of <see cref="ScrapbookApp.Services"/>: export is batched, so spans arrive over a
    /// few seconds. A resource that has sent nothing yet answers 404.
    /// </summary>
    public static async Task<PhotoTrace> WaitForPhotoTraceAsync(this ScrapbookApp system, Guid photoId, CancellationToken cancellationToken = default)
    {
        using var dashboard = system.CreateDashboardClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var seen = "no trace with a thumbnail-worker span for the photo";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await dashboard.GetAsync("/api/telemetry/traces?resource=gateway&limit=50", cancellationToken);
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                response.EnsureSuccessStatusCode();
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                var spans = Spans(document.RootElement.GetProperty("data")).ToList();
                var photoTraces = spans
                    .Where(s => s.Service == "thumbnail-worker" && s.Attributes.TryGetValue("scrapbook.photo.id", out var id) && id == photoId.ToString("D"))
                    .Select(s => s.TraceId)
                    .ToHashSet();
                foreach (var trace in spans.Where(s => photoTraces.Contains(s.TraceId)).GroupBy(s => s.TraceId))
                {
                    var services = trace.Select(s => s.Service).ToHashSet();
                    var roots = trace.Where(s => s.ParentSpanId is null).ToList();
                    seen = $"trace {trace.Key}: services [{string.Join(", ", services.Order())}], roots [{string.Join(", ", roots.Select(r => $"{r.Service}: {r.Name}"))}]";
                    if (roots.Count == 1 && services.IsSupersetOf(ScrapbookApp.Services))
                    {
                        return new PhotoTrace(trace.Key, services, roots[0].Service);
                    }
                }
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new TimeoutException($"No single trace on the dashboard crossed all five services for photo {photoId} within a minute; last seen: {seen}");
    }

    private sealed record Span(string TraceId, string? ParentSpanId, string Name, string Service, Dictionary<string, string?> Attributes);

    private static IEnumerable<Span> Spans(JsonElement data) =>
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
