using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// The Gateway's own Program on real Kestrel at 127.0.0.1 (TestServer neither streams nor aborts like a socket),
/// with settings layered over its appsettings.json.
/// </summary>
internal sealed class GatewayServer : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly int _port = FreePort.Next();

    public GatewayServer(IReadOnlyDictionary<string, string?> settings)
    {
        _settings = settings;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, _port));
    }

    public Uri BaseAddress => new($"http://127.0.0.1:{_port}");

    public HttpClient CreateGatewayClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
    }
}
