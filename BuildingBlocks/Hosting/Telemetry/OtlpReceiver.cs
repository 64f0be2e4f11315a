using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Scrapbook.Hosting.Telemetry.Otlp;

namespace Scrapbook.Hosting.Telemetry;

/// <summary>
/// The OTLP/HTTP receiver (binary protobuf only, as the OTLP specification's HTTP transport describes it):
/// <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>, optionally gzip-compressed, answered with the
/// Export*ServiceResponse message. Like Aspire's dashboard in API-key mode it requires <see cref="ApiKeyHeader"/>;
/// the AppHost hands the key to its projects in <c>OTEL_EXPORTER_OTLP_HEADERS</c>.
/// </summary>
internal static class OtlpReceiver
{
    public const string ApiKeyHeader = "x-otlp-api-key";
    public const string ProtobufContentType = "application/x-protobuf";

    /// <summary>Larger than any batch the SDKs send by default (512 spans), small enough to bound what one request costs.</summary>
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public static RouteGroupBuilder MapOtlpReceiver(this IEndpointRouteBuilder endpoints, TelemetryStore store, string apiKey)
    {
        var expectedKey = Encoding.UTF8.GetBytes(apiKey);
        var group = endpoints.MapGroup("/v1");
        group.AddEndpointFilter(async (context, next) =>
            KeyMatches(context.HttpContext.Request, expectedKey)
                ? await next(context)
                : Results.Text($"Missing or wrong {ApiKeyHeader} header.", statusCode: StatusCodes.Status401Unauthorized));

        group.MapPost("/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, request =>
        {
            var (spans, rejected) = OtlpConverter.Convert(request);
            store.AddSpans(spans);
            return new ExportTraceServiceResponse
            {
                PartialSuccess = rejected == 0 ? null : new ExportTracePartialSuccess { RejectedSpans = rejected, ErrorMessage = "spans need a 16-byte trace id and an 8-byte span id" },
            };
        }));
        group.MapPost("/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, request =>
        {
            store.AddLogs(OtlpConverter.Convert(request));
            return new ExportLogsServiceResponse();
        }));
        group.MapPost("/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, request =>
        {
            foreach (var (resource, instrument, points) in OtlpConverter.Convert(request))
            {
                store.AddPoints(resource, instrument, points);
            }

            return new ExportMetricsServiceResponse();
        }));
        return group;
    }

    private static bool KeyMatches(HttpRequest request, byte[] expected) =>
        request.Headers.TryGetValue(ApiKeyHeader, out var values)
        && values.Count == 1
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(values[0] ?? ""), expected);

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpRequest request, MessageParser<TRequest> parser, Func<TRequest, IMessage> store)
        where TRequest : IMessage<TRequest>
    {
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), ProtobufContentType, StringComparison.OrdinalIgnoreCase))
        {
            return Results.Text($"Only {ProtobufContentType} is accepted.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (!gzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Text($"Content-Encoding '{encoding}' is not supported; use gzip or none.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        MemoryStream? body;
        try
        {
            if (gzip)
            {
                await using var decompressed = new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true);
                body = await ReadBoundedAsync(decompressed, request.HttpContext.RequestAborted);
            }
            else
            {
                body = await ReadBoundedAsync(request.Body, request.HttpContext.RequestAborted);
            }
        }
        catch (InvalidDataException)
        {
            return Results.Text("The body is not valid gzip.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (body is null)
        {
            return TooLarge();
        }

        TRequest message;
        using (body)
        {
            try
            {
                message = parser.ParseFrom(body.GetBuffer(), 0, (int)body.Length);
            }
            catch (InvalidProtocolBufferException exception)
            {
                return Results.Text($"The body is not a valid OTLP message: {exception.Message}", statusCode: StatusCodes.Status400BadRequest);
            }
        }

        return Results.Bytes(store(message).ToByteArray(), ProtobufContentType);
    }

    private static IResult TooLarge() =>
        Results.Text($"The body exceeds {MaxBodyBytes} bytes (after decompression).", statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>
    /// The body, or null when it exceeds <see cref="MaxBodyBytes"/>, counted after decompression (a small gzip body
    /// can inflate enormously). The caller parses the stream's buffer in place, so the body is not copied again.
    /// </summary>
    private static async Task<MemoryStream?> ReadBoundedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    buffer.Dispose();
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
