using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Scrapbook.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// A loopback OTLP/HTTP endpoint that keeps every request body it is sent on /v1/traces, /v1/metrics and /v1/logs.
/// Only requests to those exact paths are accepted, so a missing per-signal path shows up as nothing received.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _received = new();
    private TestService? _service;

    public Uri Endpoint => _service!.BaseAddress;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var receiver = new OtlpReceiver();
        receiver._service = await TestService.StartAsync(_ => { }, app => app.MapPost("/v1/{signal:regex(^(traces|metrics|logs)$)}", receiver.ReceiveAsync));
        return receiver;
    }

    public IReadOnlyList<byte[]> Bodies(string signal) => [.. _received.Where(r => r.Signal == signal).Select(r => r.Body)];

    public IReadOnlyList<ExportedSpan> Spans() => [.. Bodies("traces").SelectMany(OtlpTraceReader.ReadSpans)];

    public ValueTask DisposeAsync() => _service?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task<IResult> ReceiveAsync(string signal, HttpRequest request)
    {
        if (request.ContentType != "application/x-protobuf")
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        _received.Enqueue((signal, body.ToArray()));

        // An empty Export*ServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    }
}
