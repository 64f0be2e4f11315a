using System.Globalization;

namespace Scrapbook.ServiceDefaults.Tests.Infrastructure;

/// <summary>A span as exported, with the resource and instrumentation scope it was exported under.</summary>
internal sealed record ExportedSpan(
    string TraceId,
    string Name,
    int Kind,
    string ScopeName,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> ResourceAttributes)
{
    public const int ServerKind = 2;

    public string? Attribute(string key) => Attributes.GetValueOrDefault(key);
}

/// <summary>
/// Reads an OTLP ExportTraceServiceRequest (opentelemetry-proto, collector/trace/v1) into <see cref="ExportedSpan"/>s.
/// Covers the fields the tests look at: resource attributes, scope name, trace id, span name, kind, attributes.
/// Attribute values are rendered as text; arrays and key-value lists are skipped.
/// </summary>
internal static class OtlpTraceReader
{
    public static IReadOnlyList<ExportedSpan> ReadSpans(byte[] exportTraceServiceRequest)
    {
        var spans = new List<ExportedSpan>();
        var request = new ProtobufReader(exportTraceServiceRequest);
        while (request.TryReadTag(out var field, out var wireType))
        {
            if (field == 1 && wireType == WireType.LengthDelimited)
            {
                ReadResourceSpans(request.ReadLengthDelimited(), spans);
            }
            else
            {
                request.Skip(wireType);
            }
        }

        return spans;
    }

    // ResourceSpans: 1 resource, 2 scope_spans.
    private static void ReadResourceSpans(ReadOnlyMemory<byte> message, List<ExportedSpan> spans)
    {
        var resource = new Dictionary<string, string>();
        var scopeSpans = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.LengthDelimited):
                    ReadAttributes(reader.ReadLengthDelimited(), attributesField: 1, resource);
                    break;
                case (2, WireType.LengthDelimited):
                    scopeSpans.Add(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        foreach (var scope in scopeSpans)
        {
            ReadScopeSpans(scope, resource, spans);
        }
    }

    // ScopeSpans: 1 scope (InstrumentationScope: 1 name), 2 spans.
    private static void ReadScopeSpans(ReadOnlyMemory<byte> message, IReadOnlyDictionary<string, string> resource, List<ExportedSpan> spans)
    {
        var scopeName = "";
        var spanMessages = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.LengthDelimited):
                    var scope = new ProtobufReader(reader.ReadLengthDelimited());
                    while (scope.TryReadTag(out var scopeField, out var scopeWireType))
                    {
                        if (scopeField == 1 && scopeWireType == WireType.LengthDelimited)
                        {
                            scopeName = scope.ReadString();
                        }
                        else
                        {
                            scope.Skip(scopeWireType);
                        }
                    }

                    break;
                case (2, WireType.LengthDelimited):
                    spanMessages.Add(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        spans.AddRange(spanMessages.Select(span => ReadSpan(span, scopeName, resource)));
    }

    // Span: 1 trace_id, 5 name, 6 kind, 9 attributes.
    private static ExportedSpan ReadSpan(ReadOnlyMemory<byte> message, string scopeName, IReadOnlyDictionary<string, string> resource)
    {
        var traceId = "";
        var name = "";
        var kind = 0;
        var attributes = new Dictionary<string, string>();
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.LengthDelimited):
                    traceId = Convert.ToHexStringLower(reader.ReadLengthDelimited().Span);
                    break;
                case (5, WireType.LengthDelimited):
                    name = reader.ReadString();
                    break;
                case (6, WireType.Varint):
                    kind = (int)reader.ReadVarint();
                    break;
                case (9, WireType.LengthDelimited):
                    ReadKeyValue(reader.ReadLengthDelimited(), attributes);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        return new ExportedSpan(traceId, name, kind, scopeName, attributes, resource);
    }

    // Resource: 1 attributes (repeated KeyValue).
    private static void ReadAttributes(ReadOnlyMemory<byte> message, int attributesField, Dictionary<string, string> into)
    {
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            if (field == attributesField && wireType == WireType.LengthDelimited)
            {
                ReadKeyValue(reader.ReadLengthDelimited(), into);
            }
            else
            {
                reader.Skip(wireType);
            }
        }
    }

    // KeyValue: 1 key, 2 value (AnyValue: 1 string, 2 bool, 3 int64, 4 double, 7 bytes).
    private static void ReadKeyValue(ReadOnlyMemory<byte> message, Dictionary<string, string> into)
    {
        string? key = null;
        string? value = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            switch (field, wireType)
            {
                case (1, WireType.LengthDelimited):
                    key = reader.ReadString();
                    break;
                case (2, WireType.LengthDelimited):
                    value = ReadAnyValue(reader.ReadLengthDelimited());
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }

        if (key is not null && value is not null)
        {
            into[key] = value;
        }
    }

    private static string? ReadAnyValue(ReadOnlyMemory<byte> message)
    {
        string? value = null;
        var reader = new ProtobufReader(message);
        while (reader.TryReadTag(out var field, out var wireType))
        {
            value = (field, wireType) switch
            {
                (1, WireType.LengthDelimited) => reader.ReadString(),
                (2, WireType.Varint) => reader.ReadVarint() != 0 ? "true" : "false",
                (3, WireType.Varint) => ((long)reader.ReadVarint()).ToString(CultureInfo.InvariantCulture),
                (4, WireType.Fixed64) => BitConverter.UInt64BitsToDouble(reader.ReadFixed64()).ToString(CultureInfo.InvariantCulture),
                (7, WireType.LengthDelimited) => Convert.ToBase64String(reader.ReadLengthDelimited().Span),
                _ => SkipAndKeep(reader, wireType, value),
            };
        }

        return value;
    }

    private static string? SkipAndKeep(ProtobufReader reader, WireType wireType, string? value)
    {
        reader.Skip(wireType);
        return value;
    }
}
