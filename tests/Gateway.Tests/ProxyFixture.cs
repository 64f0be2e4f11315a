using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Storage;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// A gateway whose services all point at one loopback <see cref="Upstream"/>, plus routes to a port nobody listens on,
/// to a destination with a one-second activity timeout and to two replicas of which one refuses connections, Azurite
/// for blobs and an upload rate limit small enough to reach in a test.
/// </summary>
public sealed class ProxyFixture : IAsyncLifetime
{
    public const int UploadPermits = 3;
    public const int ClientAddressPermits = 10;
    public const string TrustedProxy = "127.0.0.4";
    public const string DeadRoute = "/api/dead";
    public const string SlowRoute = "/api/slow";
    public const string ReplicatedRoute = "/api/replicated";

    private readonly AzuriteServer _azurite = new();
    private GatewayServer? _gateway;

    internal Upstream Upstream { get; private set; } = null!;

    internal GatewayServer Gateway => _gateway!;

    // Bound but never listening: the port stays ours for the whole run and every connect to it is refused.
    private readonly Socket _deadPort = BindWithoutListening();

    public Uri DeadDestination => new($"http://127.0.0.1:{((IPEndPoint)_deadPort.LocalEndPoint!).Port}");

    public IBlobStore Blobs => Gateway.Services.GetRequiredService<IBlobStore>();

    public HttpClient CreateClient() => Gateway.CreateGatewayClient();

    /// <summary>A client whose connections leave from <paramref name="source"/> (any 127.0.0.0/8 address), so the gateway sees that peer.</summary>
    public HttpClient CreateClientFrom(IPAddress source) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(source, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = Gateway.BaseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask InitializeAsync()
    {
        await _azurite.InitializeAsync();
        Upstream = await Upstream.StartAsync();
        var upstream = Upstream.BaseAddress.ToString().TrimEnd('/');
        _gateway = new GatewayServer(new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = _azurite.ConnectionString,
            ["services:gallery-api:http:0"] = upstream,
            ["services:upload-api:http:0"] = upstream,
            ["services:notify-api:http:0"] = upstream,
            ["services:dead-api:http:0"] = DeadDestination.ToString().TrimEnd('/'),
            ["ReverseProxy:Routes:dead:ClusterId"] = "dead-api",
            ["ReverseProxy:Routes:dead:Match:Path"] = DeadRoute + "/{**rest}",
            ["ReverseProxy:Clusters:dead-api:Destinations:dead-api:Address"] = "http://dead-api",
            ["services:slow-api:http:0"] = upstream,
            ["ReverseProxy:Routes:slow:ClusterId"] = "slow-api",
            ["ReverseProxy:Routes:slow:Match:Path"] = SlowRoute + "/{**rest}",
            ["ReverseProxy:Clusters:slow-api:HttpRequest:ActivityTimeout"] = "00:00:01",
            ["ReverseProxy:Clusters:slow-api:Destinations:slow-api:Address"] = "http://slow-api",
            // Two replicas, the first of which refuses every connection; probed every second.
            ["services:replicated-api:http:0"] = DeadDestination.ToString().TrimEnd('/'),
            ["services:replicated-api:http:1"] = upstream,
            ["ReverseProxy:Routes:replicated:ClusterId"] = "replicated-api",
            ["ReverseProxy:Routes:replicated:Match:Path"] = ReplicatedRoute + "/{**rest}",
            ["ReverseProxy:Clusters:replicated-api:AvailableDestinationsPolicy"] = "HealthyOrPanic",
            ["ReverseProxy:Clusters:replicated-api:HealthCheck:Active:Enabled"] = "true",
            ["ReverseProxy:Clusters:replicated-api:HealthCheck:Active:Interval"] = "00:00:01",
            ["ReverseProxy:Clusters:replicated-api:HealthCheck:Active:Timeout"] = "00:00:01",
            ["ReverseProxy:Clusters:replicated-api:HealthCheck:Active:Policy"] = "ConsecutiveFailures",
            ["ReverseProxy:Clusters:replicated-api:HealthCheck:Active:Path"] = ReplicatedRoute + "/alive",
            ["ReverseProxy:Clusters:replicated-api:Destinations:replicated-api:Address"] = "http://replicated-api",
            ["Gateway:UploadRateLimit:PermitLimit"] = UploadPermits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:UploadRateLimit:ClientAddressPermitLimit"] = ClientAddressPermits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:UploadRateLimit:Window"] = "00:10:00",
            ["Gateway:TrustedProxies:0"] = TrustedProxy,
            ["Gateway:Cors:Origins:0"] = "https://extension.example",
        });
        Gateway.StartServer();
        await Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }

        await _azurite.DisposeAsync();
        _deadPort.Dispose();
    }

    private static Socket BindWithoutListening()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }
}
