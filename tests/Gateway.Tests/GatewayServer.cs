using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// The Gateway's own Program on real Kestrel at 127.0.0.1 (TestServer neither streams nor aborts like a socket),
/// with settings layered over its appsettings.json.
/// </summary>
internal sealed class GatewayServer : WebApplicationFactory<Program>
{
    private readonly IReadOnlyDictionary<string, string?> _settings;

    public GatewayServer(IReadOnlyDictionary<string, string?> settings)
    {
        _settings = settings;
        // Port 0: the kernel picks a free port at bind time, so no other process can take it in between.
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>Where Kestrel listens; valid after <c>StartServer()</c>.</summary>
    public Uri BaseAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public HttpClient CreateGatewayClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(_settings));
    }
}
