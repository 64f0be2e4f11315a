using System.Text.Json;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// The AppHost's publishing manifest (<c>--publisher manifest</c>), which the deployment relies on: every service finds
/// there the settings it reads, under Aspire's names.
/// </summary>
public sealed class ManifestTests
{
    /// <summary>What each service reads from its environment: connection strings and the services it calls.</summary>
    public static TheoryData<string, string[]> Services => new()
    {
        { "gallery-api", ["ConnectionStrings__gallerydb", "ConnectionStrings__blobs", "ConnectionStrings__queues", "ConnectionStrings__redis", "Admin__Key"] },
        { "upload-api", ["ConnectionStrings__blobs", "services__gallery-api__http__0"] },
        { "thumbnail-worker", ["ConnectionStrings__blobs", "ConnectionStrings__queues", "services__gallery-api__http__0"] },
        { "notify-api", ["ConnectionStrings__redis", "services__gallery-api__http__0"] },
        { "gateway", ["ConnectionStrings__blobs", "services__upload-api__http__0", "services__gallery-api__http__0", "services__notify-api__http__0"] },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task EveryServiceInTheManifestCarriesTheSettingsItReads(string service, string[] settings)
    {
        using var folder = new TempDirectory("manifest");
        var path = Path.Combine(folder.Path, "aspire-manifest.json");
        await Tool.RunAsync("dotnet", [AppHostAssembly, "--publisher", "manifest", "--output-path", path], cancellationToken: TestContext.Current.CancellationToken);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        var resources = manifest.RootElement.GetProperty("resources");
        var resource = resources.GetProperty(service);
        Assert.Equal("project.v0", resource.GetProperty("type").GetString());
        var environment = resource.GetProperty("env").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString());
        Assert.All(settings, setting => Assert.True(environment.ContainsKey(setting), $"{service} lacks {setting}: it has {string.Join(", ", environment.Keys)}"));

        // Connection strings and service addresses are references to other resources of the manifest, never literals.
        foreach (var setting in settings.Where(s => s.StartsWith("ConnectionStrings__", StringComparison.Ordinal)))
        {
            var name = setting["ConnectionStrings__".Length..];
            Assert.Equal($"{{{name}.connectionString}}", environment[setting]);
            Assert.True(resources.TryGetProperty(name, out _), $"the manifest has no resource '{name}'");
        }

        // Telemetry: the services export over OTLP wherever OTEL_EXPORTER_OTLP_ENDPOINT points; the manifest says so.
        Assert.Contains(environment.Keys, key => key.StartsWith("OTEL_", StringComparison.Ordinal));
        Assert.Equal("http", resource.GetProperty("bindings").GetProperty("http").GetProperty("scheme").GetString());
    }

    private static string AppHostAssembly => Path.Combine(AppContext.BaseDirectory, "Scrapbook.AppHost.dll");
}
