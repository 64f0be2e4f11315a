namespace Scrapbook.Hosting.Telemetry;

/// <summary>How much telemetry the dashboard keeps in memory; the oldest goes first.</summary>
internal sealed record TelemetryLimits(
    int MaxSpans = 10_000,
    int MaxLogs = 10_000,
    int MaxPointsPerInstrument = 1_000,
    int MaxInstruments = 2_000);

internal sealed record TraceQuery(string? Resource = null, bool ErrorsOnly = false, string? Text = null, bool SlowestFirst = false, int Limit = 100);

internal sealed record LogQuery(string? Resource = null, int MinSeverity = 0, string? Text = null, string? TraceId = null, int Limit = 200);

/// <summary>
/// The dashboard's bounded, thread-safe, in-memory telemetry: the last <see cref="TelemetryLimits.MaxSpans"/> spans
/// grouped by trace, the last <see cref="TelemetryLimits.MaxLogs"/> log records, and a ring of points per instrument
/// and resource. Inserts are O(1) amortised (a span evicted is the oldest of its trace, so it is found at the front);
/// queries scan at most the retained items under the same lock.
/// </summary>
internal sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TraceRecord> _traces = new(StringComparer.Ordinal);
    private readonly Queue<SpanView> _spanOrder = new();
    private readonly RingBuffer<LogEntry> _logs = new(limits.MaxLogs);
    private readonly Dictionary<(string Resource, string Name), MetricSeries> _series = [];
    private readonly SortedSet<string> _resources = new(StringComparer.Ordinal);

    public TelemetryStore()
        : this(new TelemetryLimits())
    {
    }

    /// <summary>Points that arrived for an instrument beyond <see cref="TelemetryLimits.MaxInstruments"/>, and were dropped.</summary>
    public long DroppedPoints { get; private set; }

    public void AddSpans(IReadOnlyList<SpanView> spans)
    {
        lock (_lock)
        {
            foreach (var span in spans)
            {
                if (!_traces.TryGetValue(span.TraceId, out var trace))
                {
                    trace = new TraceRecord();
                    _traces[span.TraceId] = trace;
                }

                // Exporters retry: a span seen twice is kept once.
                if (!trace.SpanIds.Add(span.SpanId))
                {
                    continue;
                }

                trace.Spans.Add(span);
                trace.Summary = null;
                _spanOrder.Enqueue(span);
                _resources.Add(span.Resource);
            }

            while (_spanOrder.Count > limits.MaxSpans)
            {
                Evict(_spanOrder.Dequeue());
            }
        }
    }

    public void AddLogs(IReadOnlyList<LogEntry> entries)
    {
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                _logs.Add(entry);
                _resources.Add(entry.Resource);
            }
        }
    }

    public void AddPoints(string resource, InstrumentInfo instrument, IReadOnlyList<MetricPoint> points)
    {
        lock (_lock)
        {
            if (!_series.TryGetValue((resource, instrument.Name), out var series))
            {
                if (_series.Count >= limits.MaxInstruments)
                {
                    DroppedPoints += points.Count;
                    return;
                }

                series = new MetricSeries(instrument, new RingBuffer<MetricPoint>(limits.MaxPointsPerInstrument));
                _series[(resource, instrument.Name)] = series;
                _resources.Add(resource);
            }

            series.Instrument = instrument;
            foreach (var point in points)
            {
                series.Points.Add(point);
            }
        }
    }

    public int SpanCount
    {
        get
        {
            lock (_lock)
            {
                return _spanOrder.Count;
            }
        }
    }

    public int LogCount
    {
        get
        {
            lock (_lock)
            {
                return _logs.Count;
            }
        }
    }

    /// <summary>Every resource that has sent telemetry since the dashboard started, sorted.</summary>
    public IReadOnlyList<string> GetResourceNames()
    {
        lock (_lock)
        {
            return [.. _resources];
        }
    }

    public IReadOnlyList<TraceSummary> GetTraces(TraceQuery query)
    {
        List<TraceSummary> summaries;
        lock (_lock)
        {
            summaries = new List<TraceSummary>(_traces.Count);
            foreach (var (traceId, trace) in _traces)
            {
                // A summary is made once per change of its trace, not once per query: the list page polls.
                var summary = trace.Summary ??= Summarize(traceId, trace.Spans);
                if (Matches(summary, trace.Spans, query))
                {
                    summaries.Add(summary);
                }
            }
        }

        var ordered = query.SlowestFirst
            ? summaries.OrderByDescending(t => t.DurationMs).ThenByDescending(t => t.Start)
            : summaries.OrderByDescending(t => t.Start);
        return [.. ordered.Take(query.Limit)];
    }

    public TraceDetail? GetTrace(string traceId)
    {
        var id = traceId.ToLowerInvariant();
        lock (_lock)
        {
            return _traces.TryGetValue(id, out var trace)
                ? new TraceDetail(id, [.. trace.Spans.OrderBy(s => s.StartNanos)])
                : null;
        }
    }

    public bool HasTrace(string traceId)
    {
        lock (_lock)
        {
            return _traces.ContainsKey(traceId);
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<LogEntry> GetLogs(LogQuery query)
    {
        lock (_lock)
        {
            return [.. _logs.NewestFirst().Where(entry => Matches(entry, query)).Take(query.Limit)];
        }
    }

    public IReadOnlyList<ResourceInstruments> GetInstruments()
    {
        lock (_lock)
        {
            return [.. _series
                .GroupBy(p => p.Key.Resource)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new ResourceInstruments(g.Key, [.. g.Select(p => p.Value.Instrument).OrderBy(i => i.Name, StringComparer.Ordinal)]))];
        }
    }

    /// <summary>The retained points of one instrument, oldest first; null when unknown.</summary>
    public InstrumentPoints? GetPoints(string resource, string instrument)
    {
        lock (_lock)
        {
            return _series.TryGetValue((resource, instrument), out var series)
                ? new InstrumentPoints(resource, series.Instrument, series.Points.ToListOldestFirst())
                : null;
        }
    }

    private void Evict(SpanView span)
    {
        var trace = _traces[span.TraceId];
        var index = trace.Spans.FindIndex(s => ReferenceEquals(s, span));
        trace.Spans.RemoveAt(index);
        trace.SpanIds.Remove(span.SpanId);
        trace.Summary = null;
        if (trace.Spans.Count == 0)
        {
            _traces.Remove(span.TraceId);
        }
    }

    private static bool Matches(TraceSummary summary, List<SpanView> spans, TraceQuery query)
    {
        if (query.ErrorsOnly && !summary.HasError)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(query.Resource) && !summary.Resources.Contains(query.Resource, StringComparer.Ordinal))
        {
            return false;
        }

        return string.IsNullOrEmpty(query.Text)
            || summary.TraceId.StartsWith(query.Text, StringComparison.OrdinalIgnoreCase)
            || spans.Exists(s => Contains(s.Name, query.Text) || Contains(s.Resource, query.Text) || s.Attributes.Values.Any(v => Contains(v, query.Text)));
    }

    private static bool Matches(LogEntry entry, LogQuery query) =>
        (string.IsNullOrEmpty(query.Resource) || entry.Resource == query.Resource)
        && (query.MinSeverity == 0 || entry.SeverityNumber >= query.MinSeverity)
        && (string.IsNullOrEmpty(query.TraceId) || string.Equals(entry.TraceId, query.TraceId, StringComparison.OrdinalIgnoreCase))
        && (string.IsNullOrEmpty(query.Text)
            || Contains(entry.Message, query.Text)
            || Contains(entry.Category, query.Text)
            || string.Equals(entry.TraceId, query.Text, StringComparison.OrdinalIgnoreCase)
            || entry.Attributes.Values.Any(v => Contains(v, query.Text)));

    private static bool Contains(string value, string text) => value.Contains(text, StringComparison.OrdinalIgnoreCase);

    /// <summary>The root is the earliest span whose parent is not in the trace (the parent may not have arrived, or been evicted).</summary>
    private static TraceSummary Summarize(string traceId, List<SpanView> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartNanos) ?? spans.MinBy(s => s.StartNanos)!;
        var start = spans.Min(s => s.StartNanos);
        var end = spans.Max(s => s.EndNanos);
        return new TraceSummary(
            traceId,
            root.Name,
            root.Resource,
            [.. spans.OrderBy(s => s.StartNanos).Select(s => s.Resource).Distinct(StringComparer.Ordinal)],
            DateTimeOffset.UnixEpoch.AddTicks((long)(start / 100)),
            (end - start) / 1e6,
            spans.Exists(s => s.IsError),
            spans.Count);
    }

    private sealed class TraceRecord
    {
        public List<SpanView> Spans { get; } = [];

        public HashSet<string> SpanIds { get; } = new(StringComparer.Ordinal);

        /// <summary>Null after the spans changed; made again by the next query.</summary>
        public TraceSummary? Summary { get; set; }
    }

    private sealed class MetricSeries(InstrumentInfo instrument, RingBuffer<MetricPoint> points)
    {
        public InstrumentInfo Instrument { get; set; } = instrument;

        public RingBuffer<MetricPoint> Points { get; } = points;
    }
}
