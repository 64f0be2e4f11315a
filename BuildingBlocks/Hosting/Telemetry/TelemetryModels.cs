namespace Scrapbook.Hosting.Telemetry;

/// <summary>One trace in the list: its root span, the resources it touched, how long it took, whether anything failed.</summary>
internal sealed record TraceSummary(
    string TraceId,
    string RootName,
    string RootResource,
    IReadOnlyList<string> Resources,
    DateTimeOffset Start,
    double DurationMs,
    bool HasError,
    int SpanCount);

/// <summary>A trace with its spans, in start order.</summary>
internal sealed record TraceDetail(string TraceId, IReadOnlyList<SpanView> Spans);

/// <summary>A span as received. <see cref="Status"/> is <c>Unset</c>, <c>Ok</c> or <c>Error</c>; <see cref="Kind"/> as OTLP names it (Server, Client, Internal, Producer, Consumer).</summary>
internal sealed record SpanView(
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Resource,
    string? Instance,
    string Scope,
    string Kind,
    DateTimeOffset Start,
    double DurationMs,
    string Status,
    string? StatusMessage,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventView> Events)
{
    internal string TraceId { get; init; } = "";

    internal ulong StartNanos { get; init; }

    internal ulong EndNanos { get; init; }

    internal bool IsError => Status == SpanStatus.Error;
}

/// <summary>Something that happened during a span (an exception, a retry).</summary>
internal sealed record SpanEventView(string Name, DateTimeOffset Time, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A structured log record. <see cref="Level"/> is .NET's level name derived from the OTLP severity number
/// (Trace, Debug, Information, Warning, Error, Critical); <see cref="Category"/> is the logger's category.
/// </summary>
internal sealed record LogEntry(
    DateTimeOffset Time,
    string Resource,
    string? Instance,
    string Level,
    string Category,
    string Message,
    string? TraceId,
    string? SpanId,
    IReadOnlyDictionary<string, string> Attributes)
{
    internal int SeverityNumber { get; init; }
}

/// <summary>The instruments one resource reported.</summary>
internal sealed record ResourceInstruments(string Resource, IReadOnlyList<InstrumentInfo> Instruments);

/// <summary>An instrument; <see cref="Type"/> is <c>gauge</c>, <c>sum</c>, <c>histogram</c> or <c>exponentialHistogram</c>.</summary>
internal sealed record InstrumentInfo(string Name, string Description, string Unit, string Type, string Scope);

/// <summary>The recent points of one instrument of one resource, oldest first.</summary>
internal sealed record InstrumentPoints(string Resource, InstrumentInfo Instrument, IReadOnlyList<MetricPoint> Points);

/// <summary>
/// One data point. For gauges and sums <see cref="Value"/> is the value; for histograms it is the mean
/// (<see cref="Sum"/> / <see cref="Count"/>), both of which are given too. Sums and histograms from the .NET SDK are
/// cumulative since <see cref="StartTime"/>, per replica.
/// </summary>
internal sealed record MetricPoint(
    DateTimeOffset Time,
    DateTimeOffset StartTime,
    double Value,
    ulong? Count,
    double? Sum,
    double? Min,
    double? Max,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The replica (<c>service.instance.id</c>) that reported it: replicas' cumulative series are separate lines.</summary>
    public string? Instance { get; init; }
}

internal static class SpanStatus
{
    public const string Unset = "Unset";
    public const string Ok = "Ok";
    public const string Error = "Error";
}
