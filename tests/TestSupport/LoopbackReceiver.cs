using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Testing;

/// <summary>One request a <see cref="LoopbackReceiver"/> got.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A loopback Kestrel server standing in for a service's peers (a classifier that misbehaves, Gallery.Api taking
/// reports, a webhook receiver): it records every request and answers as its handler says.
/// </summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<HttpContext, ReceivedRequest, Task> _answer;
    private readonly CancellationTokenSource _stopping = new();

    private LoopbackReceiver(WebApplication app, Func<HttpContext, ReceivedRequest, Task> answer)
    {
        _app = app;
        _answer = answer;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Cancelled when the receiver stops, so that a handler that never answers ends with it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public static Task<LoopbackReceiver> StartAsync(Func<HttpContext, Task> answer) => StartAsync((context, _) => answer(context));

    /// <summary>Starts a receiver whose handler also gets the request as recorded (its body already read).</summary>
    public static async Task<LoopbackReceiver> StartAsync(Func<HttpContext, ReceivedRequest, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new LoopbackReceiver(builder.Build(), answer);
        receiver._app.Run(receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    /// <summary>A receiver that answers every request with <paramref name="status"/> and an optional JSON body.</summary>
    public static Task<LoopbackReceiver> AnsweringAsync(int status, string? json = null) =>
        StartAsync(async context =>
        {
            context.Response.StatusCode = status;
            if (json is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(json);
            }
        });

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = new ReceivedRequest(
            context.Request.Method,
            context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
            body.ToArray());
        Requests.Enqueue(request);
        await _answer(context, request);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
