using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// A loopback Kestrel server the gateway forwards to: the peer on the other side of the forwarder. Each test
/// registers what its path answers and can see every path that arrived.
/// </summary>
internal sealed class Upstream : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RequestDelegate> _handlers = new(StringComparer.Ordinal);
    private readonly WebApplication _app;

    private Upstream(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<string> ReceivedPaths { get; } = new();

    public static async Task<Upstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
        });
        var upstream = new Upstream(builder.Build());
        upstream._app.Run(upstream.DispatchAsync);
        await upstream._app.StartAsync();
        var address = upstream._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        upstream.BaseAddress = new Uri(address);
        return upstream;
    }

    /// <summary>What requests to <paramref name="path"/> get.</summary>
    public void Handle(string path, RequestDelegate handler) => _handlers[path] = handler;

    private Task DispatchAsync(HttpContext context)
    {
        ReceivedPaths.Enqueue(context.Request.Path.Value ?? "");
        if (_handlers.TryGetValue(context.Request.Path.Value ?? "", out var handler))
        {
            return handler(context);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
