using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Messaging;
using Scrapbook.Storage;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Gallery.Api in-process with the given configuration, on real backing servers.</summary>
/// <param name="services">Replaces services after the app registered its own (a test clock).</param>
public sealed class GalleryApp(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null) : WebApplicationFactory<Program>
{
    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    public IJobQueue Queue => Services.GetRequiredService<IJobQueue>();

    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: Program reads some connection strings while it builds.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
