using System.Net;
using System.Text.Json;

namespace Scrapbook.Testing;

/// <summary>A photo's trace as the Aspire dashboard has it: its id, the services with spans in it, and the root span's service.</summary>
public sealed record PhotoTrace(string TraceId, IReadOnlySet<string> Services, string RootService);

/// <summary>One span with its timing, as the dashboard exported it.</summary>
public sealed record TimedSpan(string TraceId, string? ParentSpanId, string Service, string Name, DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Duration => End - Start;
}

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
            var spans = await PhotoSpansAsync(dashboard, 50, new HashSet<string> { photoId.ToString("D") }, cancellationToken);
            foreach (var trace in spans.GroupBy(s => s.TraceId))
            {
                var services = trace.Select(s => s.Service).ToHashSet();
                var roots = trace.Where(s => s.ParentSpanId is null).ToList();
                seen = $"trace {trace.Key}: services [{string.Join(", ", services.Order())}], roots [{string.Join(", ", roots.Select(r => $"{r.Service}: {r.Name}"))}]";
                if (roots.Count == 1 && services.IsSupersetOf(ScrapbookApp.Services))
                {
                    return new PhotoTrace(trace.Key, services, roots[0].Service);
                }
            }

            await Task.Delay(500, cancellationToken);
        }

        throw new TimeoutException($"No single trace on the dashboard crossed all five services for photo {photoId} within a minute; last seen: {seen}");
    }

    /// <summary>
    /// Every span of the traces whose thumbnail-worker span names one of <paramref name="photoIds"/>, as the dashboard holds them now
    /// (the caller waits for export first).
    /// </summary>
    public static async Task<IReadOnlyList<TimedSpan>> GetPhotoSpansAsync(this ScrapbookApp system, IReadOnlySet<string> photoIds, int limit = 500, CancellationToken cancellationToken = default)
    {
        using var dashboard = system.CreateDashboardClient();
        var spans = await PhotoSpansAsync(dashboard, limit, photoIds, cancellationToken);
        return [.. spans.Select(s => new TimedSpan(s.TraceId, s.ParentSpanId, s.Service, s.Name, s.Start, s.End))];
    }

    /// <summary>The spans of the traces (of the newest <paramref name="limit"/>) whose thumbnail-worker span names one of <paramref name="photoIds"/>; none before the gateway sent any (404).</summary>
    private static async Task<List<Span>> PhotoSpansAsync(HttpClient dashboard, int limit, IReadOnlySet<string> photoIds, CancellationToken cancellationToken)
    {
        using var response = await dashboard.GetAsync($"/api/telemetry/traces?resource=gateway&limit={limit}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var spans = Spans(document.RootElement.GetProperty("data")).ToList();
        var traces = spans
            .Where(s => s.Service == "thumbnail-worker" && s.Attributes.TryGetValue("scrapbook.photo.id", out var id) && id is not null && photoIds.Contains(id))
            .Select(s => s.TraceId)
            .ToHashSet();
        return [.. spans.Where(s => traces.Contains(s.TraceId))];
    }

    private sealed record Span(string TraceId, string? ParentSpanId, string Name, string Service, Dictionary<string, string?> Attributes, DateTimeOffset Start, DateTimeOffset End);

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
            Attributes(span),
            FromUnixNanoseconds(span.GetProperty("startTimeUnixNano")),
            FromUnixNanoseconds(span.GetProperty("endTimeUnixNano")));

    private static DateTimeOffset FromUnixNanoseconds(JsonElement value)
    {
        var nanoseconds = value.ValueKind == JsonValueKind.String ? ulong.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : value.GetUInt64();
        return DateTimeOffset.UnixEpoch.AddTicks((long)(nanoseconds / 100));
    }

    private static Dictionary<string, string?> Attributes(JsonElement owner) =>
        owner.TryGetProperty("attributes", out var attributes)
            ? attributes.EnumerateArray().ToDictionary(
                a => a.GetProperty("key").GetString()!,
                a => (string?)a.GetProperty("value").EnumerateObject().FirstOrDefault().Value.ToString())
            : [];
}
