using Scrapbook.Hosting.Telemetry;

namespace Scrapbook.Hosting.Tests;

public sealed class TelemetryStoreTests
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";

    [Fact]
    public void ASpanArrivingAfterTheListWasReadChangesTheTracesSummary()
    {
        var store = new TelemetryStore();
        store.AddSpans([Span("a1", null, "POST /api/uploads", "gateway", startMs: 0, durationMs: 10)]);
        var before = Assert.Single(store.GetTraces(new TraceQuery()));

        store.AddSpans([Span("b1", "a1", "render", "thumbnail-worker", startMs: 5, durationMs: 400, error: true)]);
        var after = Assert.Single(store.GetTraces(new TraceQuery()));

        Assert.Equal((1, false), (before.SpanCount, before.HasError));
        Assert.Equal(["gateway"], before.Resources);
        Assert.Equal((2, true, 405.0), (after.SpanCount, after.HasError, after.DurationMs));
        Assert.Equal(["gateway", "thumbnail-worker"], after.Resources);
        Assert.Single(store.GetTraces(new TraceQuery(Resource: "thumbnail-worker", ErrorsOnly: true)));
        Assert.Empty(store.GetTraces(new TraceQuery(Resource: "notify-api")));
    }

    [Fact]
    public void EvictingATracesOldestSpanChangesItsSummaryToo()
    {
        var store = new TelemetryStore(new TelemetryLimits(MaxSpans: 2));
        store.AddSpans([Span("a1", null, "root", "gateway", startMs: 0, durationMs: 50, error: true)]);
        store.AddSpans([Span("b1", "a1", "child", "gallery-api", startMs: 10, durationMs: 5)]);
        Assert.True(Assert.Single(store.GetTraces(new TraceQuery())).HasError);

        store.AddSpans([Span("c1", "a1", "another child", "gallery-api", startMs: 20, durationMs: 5)]);
        var summary = Assert.Single(store.GetTraces(new TraceQuery()));

        // The root went first: the earliest remaining span whose parent is gone stands in for it.
        Assert.Equal(("child", 2, false, 15.0), (summary.RootName, summary.SpanCount, summary.HasError, summary.DurationMs));
    }

    private static SpanView Span(string spanId, string? parentId, string name, string resource, int startMs, int durationMs, bool error = false)
    {
        var start = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000).AddMilliseconds(startMs);
        var startNanos = (ulong)(start - DateTimeOffset.UnixEpoch).Ticks * 100;
        return new SpanView(
            spanId, parentId, name, resource, null, "test", "Internal", start, durationMs,
            error ? SpanStatus.Error : SpanStatus.Unset, null, new Dictionary<string, string>(), [])
        {
            TraceId = TraceId,
            StartNanos = startNanos,
            EndNanos = startNanos + ((ulong)durationMs * 1_000_000),
        };
    }
}
