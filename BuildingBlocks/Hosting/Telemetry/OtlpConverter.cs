using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Scrapbook.Hosting.Telemetry.Otlp;

namespace Scrapbook.Hosting.Telemetry;

/// <summary>
/// Turns received OTLP messages into what the dashboard stores and shows. The resource's <c>service.name</c>
/// names the resource (the AppHost sets it to the resource's name) and <c>service.instance.id</c> the replica.
/// Items without a valid trace/span id are counted as rejected rather than failing the whole request.
/// </summary>
internal static class OtlpConverter
{
    private const string UnknownResource = "unknown";

    public static (List<SpanView> Spans, int Rejected) Convert(ExportTraceServiceRequest request)
    {
        var spans = new List<SpanView>();
        var rejected = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var (resource, instance) = Identify(resourceSpans.Resource);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = scopeSpans.Scope?.Name ?? "";
                foreach (var span in scopeSpans.Spans)
                {
                    if (Id(span.TraceId, 16) is not { } traceId || Id(span.SpanId, 8) is not { } spanId)
                    {
                        rejected++;
                        continue;
                    }

                    var end = Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano);
                    spans.Add(new SpanView(
                        spanId,
                        Id(span.ParentSpanId, 8),
                        span.Name,
                        resource,
                        instance,
                        scope,
                        KindName(span.Kind),
                        Time(span.StartTimeUnixNano),
                        (end - span.StartTimeUnixNano) / 1e6,
                        StatusName(span.Status?.Code ?? Status.Types.StatusCode.Unset),
                        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
                        Attributes(span.Attributes),
                        [.. span.Events.Select(e => new SpanEventView(e.Name, Time(e.TimeUnixNano), Attributes(e.Attributes)))])
                    {
                        TraceId = traceId,
                        StartNanos = span.StartTimeUnixNano,
                        EndNanos = end,
                    });
                }
            }
        }

        return (spans, rejected);
    }

    public static List<LogEntry> Convert(ExportLogsServiceRequest request)
    {
        var entries = new List<LogEntry>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var (resource, instance) = Identify(resourceLogs.Resource);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var category = scopeLogs.Scope?.Name ?? "";
                foreach (var record in scopeLogs.LogRecords)
                {
                    var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
                    entries.Add(new LogEntry(
                        Time(time),
                        resource,
                        instance,
                        LogLevels.Name(record.SeverityNumber, record.SeverityText),
                        category,
                        record.Body is null ? record.EventName : Text(record.Body),
                        Id(record.TraceId, 16),
                        Id(record.SpanId, 8),
                        Attributes(record.Attributes))
                    {
                        SeverityNumber = record.SeverityNumber,
                    });
                }
            }
        }

        return entries;
    }

    public static List<(string Resource, InstrumentInfo Instrument, List<MetricPoint> Points)> Convert(ExportMetricsServiceRequest request)
    {
        var result = new List<(string, InstrumentInfo, List<MetricPoint>)>();
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var (resource, instance) = Identify(resourceMetrics.Resource);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scope = scopeMetrics.Scope?.Name ?? "";
                foreach (var metric in scopeMetrics.Metrics)
                {
                    var (type, points) = metric.DataCase switch
                    {
                        Metric.DataOneofCase.Gauge => ("gauge", metric.Gauge.DataPoints.Select(p => Point(p, instance)).ToList()),
                        Metric.DataOneofCase.Sum => ("sum", metric.Sum.DataPoints.Select(p => Point(p, instance)).ToList()),
                        Metric.DataOneofCase.Histogram => ("histogram", metric.Histogram.DataPoints.Select(p => Point(p, instance)).ToList()),
                        Metric.DataOneofCase.ExponentialHistogram => ("exponentialHistogram", metric.ExponentialHistogram.DataPoints.Select(p => Point(p, instance)).ToList()),
                        _ => ("", []),
                    };
                    if (type.Length > 0 && metric.Name.Length > 0)
                    {
                        result.Add((resource, new InstrumentInfo(metric.Name, metric.Description, metric.Unit, type, scope), points));
                    }
                }
            }
        }

        return result;
    }

    // Points carry their replica's instance from the start, so the receiver does not copy each one a second time.
    private static MetricPoint Point(NumberDataPoint point, string? instance) => new(
        Time(point.TimeUnixNano),
        Time(point.StartTimeUnixNano),
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble,
        null,
        null,
        null,
        null,
        Attributes(point.Attributes))
    {
        Instance = instance,
    };

    private static MetricPoint Point(HistogramDataPoint point, string? instance) => HistogramPoint(
        point.TimeUnixNano, point.StartTimeUnixNano, point.Count, point.HasSum ? point.Sum : null, point.HasMin ? point.Min : null, point.HasMax ? point.Max : null, point.Attributes, instance);

    private static MetricPoint Point(ExponentialHistogramDataPoint point, string? instance) => HistogramPoint(
        point.TimeUnixNano, point.StartTimeUnixNano, point.Count, point.HasSum ? point.Sum : null, point.HasMin ? point.Min : null, point.HasMax ? point.Max : null, point.Attributes, instance);

    private static MetricPoint HistogramPoint(ulong time, ulong start, ulong count, double? sum, double? min, double? max, RepeatedField<KeyValue> attributes, string? instance) => new(
        Time(time),
        Time(start),
        count > 0 && sum is { } total ? total / count : 0,
        count,
        sum,
        min,
        max,
        Attributes(attributes))
    {
        Instance = instance,
    };

    private static (string Name, string? Instance) Identify(TelemetryResource? resource)
    {
        string? name = null, instance = null;
        foreach (var attribute in resource?.Attributes ?? [])
        {
            switch (attribute.Key)
            {
                case "service.name":
                    name = Text(attribute.Value);
                    break;
                case "service.instance.id":
                    instance = Text(attribute.Value);
                    break;
            }
        }

        return (string.IsNullOrEmpty(name) ? UnknownResource : name, string.IsNullOrEmpty(instance) ? null : instance);
    }

    /// <summary>Lower-case hex of an id of the expected length; null when absent or all zeros (OTLP's "no id").</summary>
    private static string? Id(ByteString bytes, int length)
    {
        var span = bytes.Span;
        return span.Length == length && span.ContainsAnyExcept((byte)0) ? System.Convert.ToHexStringLower(span) : null;
    }

    private static DateTimeOffset Time(ulong unixNanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / 100));

    private static Dictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = Text(attribute.Value);
        }

        return result;
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(v => v.Key + ": " + Text(v.Value))) + "}",
        AnyValue.ValueOneofCase.BytesValue => System.Convert.ToBase64String(value.BytesValue.Span),
        _ => "",
    };

    private static string KindName(Span.Types.SpanKind kind) => kind switch
    {
        Span.Types.SpanKind.Internal => "Internal",
        Span.Types.SpanKind.Server => "Server",
        Span.Types.SpanKind.Client => "Client",
        Span.Types.SpanKind.Producer => "Producer",
        Span.Types.SpanKind.Consumer => "Consumer",
        _ => "Unspecified",
    };

    private static string StatusName(Status.Types.StatusCode code) => code switch
    {
        Status.Types.StatusCode.Ok => SpanStatus.Ok,
        Status.Types.StatusCode.Error => SpanStatus.Error,
        _ => SpanStatus.Unset,
    };
}

/// <summary>OTLP severity numbers as .NET log level names (OTLP: 1-4 trace … 21-24 fatal).</summary>
internal static class LogLevels
{
    public static readonly string[] Names = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"];

    public static string Name(int severityNumber, string severityText) => severityNumber switch
    {
        >= 1 and <= 24 => Names[(severityNumber - 1) / 4],
        _ when !string.IsNullOrEmpty(severityText) => severityText,
        _ => "Unspecified",
    };

    /// <summary>The lowest severity number of a level given by .NET name or OTLP short name (info, warn, fatal…).</summary>
    public static bool TryParseMinimum(string level, out int severityNumber)
    {
        var index = Array.FindIndex(Names, n => n.Equals(level, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            index = level.ToLowerInvariant() switch
            {
                "trce" => 0,
                "dbug" => 1,
                "info" => 2,
                "warn" => 3,
                "fail" => 4,
                "crit" or "fatal" => 5,
                _ => -1,
            };
        }

        severityNumber = index * 4 + 1;
        return index >= 0;
    }
}
