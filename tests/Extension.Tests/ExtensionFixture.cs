using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Playwright;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Extension.Tests;

/// <summary>
/// One running Scrapbook (the real AppHost, its Upload.Api replicas allowed to fetch from loopback), a web site on
/// 127.0.0.1 to save images from, and Playwright; each test launches its own Chromium with the extension
/// (<see cref="LaunchAsync"/>).
/// </summary>
/// <remarks>
/// The extension is loaded from a copy whose manifest also lists the gateway's origin in <c>host_permissions</c>: the
/// permission a person grants at runtime (<c>chrome.permissions.request</c> when the server address is saved) is then
/// already held, because the browser's prompt cannot be clicked by Playwright.
/// </remarks>
public sealed class ExtensionFixture : IAsyncLifetime
{
    private readonly Scrapbook.Testing.TempDirectory _extensionCopy = new("scrapbook-extension");
    private IPlaywright? _playwright;

    public ScrapbookApp System { get; } = new()
    {
        // The test site is on 127.0.0.1; Upload.Api fetches from loopback only with this development setting.
        Configure = builder =>
        {
            foreach (var replica in new[] { "upload-api-1", "upload-api-2" })
            {
                builder.CreateResourceBuilder<ProjectResource>(replica).WithEnvironment("UrlFetch__AllowLoopbackForTesting", "true");
            }
        },
    };

    public TestSite Site { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The gateway's origin, as a person types it into the options page and as host permissions name it.</summary>
    public string ServerOrigin => System.GatewayUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>The extension exactly as it is in the repository.</summary>
    public static string ExtensionSource => RepoPaths.Combine("clients", "extension");

    /// <summary>The copy the tests load: the repository's files, with the gateway's origin granted in the manifest.</summary>
    public string TestExtension => _extensionCopy.Path;

    public async ValueTask InitializeAsync()
    {
        await System.InitializeAsync();
        Http = System.CreateGatewayClient(TimeSpan.FromMinutes(1));
        Site = await TestSite.StartAsync();
        CopyExtensionGranting(ServerOrigin);
        _playwright = await Playwright.CreateAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _playwright?.Dispose();
        if (Site is not null)
        {
            await Site.DisposeAsync();
        }

        Http?.Dispose();
        await System.DisposeAsync();
        _extensionCopy.Dispose();
    }

    /// <summary>A Chromium with a fresh profile and the extension at <paramref name="extensionPath"/> (the test copy by default).</summary>
    public Task<ExtensionBrowser> LaunchAsync(string? extensionPath = null) =>
        ExtensionBrowser.LaunchAsync(_playwright ?? throw new InvalidOperationException("Not started."), extensionPath ?? TestExtension);

    /// <summary><c>POST /api/session</c>: a new owner.</summary>
    public Task<string> NewOwnerAsync() => ScrapbookClient.NewOwnerTokenAsync(Http, TestContext.Current.CancellationToken);

    public async Task<AlbumDto> CreateAlbumAsync(string token, string title)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/albums")
        {
            Content = JsonContent.Create(new AlbumCreateRequest(title), ContractsJsonContext.Default.AlbumCreateRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, TestContext.Current.CancellationToken))!;
    }

    /// <summary>GET <paramref name="path"/> as the owner of <paramref name="token"/> (or anyone, without one).</summary>
    public async Task<T> GetAsync<T>(string path, string? token, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(type, TestContext.Current.CancellationToken))!;
    }

    /// <summary>Polls the photo until it is ready or failed.</summary>
    public Task<PhotoDto> WaitUntilProcessedAsync(string token, string photoId) =>
        ScrapbookClient.WaitUntilProcessedAsync(Http, $"/api/photos/{photoId}", token, TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);

    private void CopyExtensionGranting(string origin)
    {
        foreach (var file in Directory.EnumerateFiles(ExtensionSource, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_extensionCopy.Path, Path.GetRelativePath(ExtensionSource, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var manifestPath = Path.Combine(_extensionCopy.Path, "manifest.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
        manifest["host_permissions"] = new JsonArray(origin + "/*");
        File.WriteAllText(manifestPath, manifest.ToJsonString());
    }
}
