using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Scrapbook.Bench.GalleryDb;

/// <summary>Gallery.Api in-process with the given configuration; requests go through its test server, not sockets.</summary>
internal sealed class GalleryHost(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: Gallery.Api reads some connection strings while it builds.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
