using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Storage;
using Scrapbook.Testing;
using Scrapbook.Upload.Api.Uploads;

namespace Scrapbook.Upload.Api.Tests.Support;

/// <summary>
/// Real Azurite and Redis, a real Gallery.Api process on SQLite, and Upload.Api hosted in memory against them.
/// </summary>
public sealed class UploadApiFixture : IAsyncLifetime
{
    private readonly TempDirectory _data = new("upload-api-tests");
    private readonly List<ServiceUnderTest> _galleries = [];

    public AzuriteServer Azurite { get; } = new();

    public RedisServer Redis { get; } = new();

    public string AdminKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public ServiceUnderTest Gallery { get; private set; } = null!;

    /// <summary>A port nothing listens on: Gallery.Api down.</summary>
    public Uri DeadGallery { get; } = new($"http://127.0.0.1:{FreePort.Next()}");

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Azurite.InitializeAsync().AsTask(), Redis.InitializeAsync().AsTask());
        Gallery = await StartGalleryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Another Gallery.Api with its own database (same blob store), for tests that change settings.</summary>
    public async Task<ServiceUnderTest> StartGalleryAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "gallery-api",
            ["ConnectionStrings__gallerydb"] = $"Data Source={Path.Combine(_data.Path, $"gallery-{Guid.NewGuid():N}.db")}",
            ["ConnectionStrings__blobs"] = Azurite.ConnectionString,
            ["ConnectionStrings__queues"] = Azurite.ConnectionString,
            ["ConnectionStrings__redis"] = Redis.ConnectionString,
            ["Admin__Key"] = AdminKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        var gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", env, cancellationToken);
        lock (_galleries)
        {
            _galleries.Add(gallery);
        }

        return gallery;
    }

    /// <summary>Upload.Api in memory, with its own temp folder; <paramref name="settings"/> override configuration.</summary>
    public UploadApiHost CreateUploadApi(
        Uri? gallery = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var temp = new TempDirectory("upload-api-temp");
        var configuration = new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = Azurite.ConnectionString,
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            ["services:gallery-api:http:0"] = (gallery ?? Gallery.BaseAddress).ToString().TrimEnd('/'),
            ["Uploads:TempDirectory"] = temp.Path,
            ["OTEL_SERVICE_NAME"] = "upload-api",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        return new UploadApiHost(configuration, temp) { ConfigureServices = services };
    }

    public async Task SetUploadsOpenAsync(ServiceUnderTest gallery, bool open, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = gallery.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/admin/settings")
        {
            Content = JsonContent.Create(new SettingsDto(open, "off"), ContractsJsonContext.Default.SettingsDto),
        };
        request.Headers.Add("X-Admin-Key", AdminKey);
        using var response = await http.SendAsync(request, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gallery in _galleries)
        {
            await gallery.DisposeAsync();
        }

        await Azurite.DisposeAsync();
        await Redis.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>Upload.Api on the in-memory test server.</summary>
public sealed class UploadApiHost(IReadOnlyDictionary<string, string?> configuration, TempDirectory temp) : WebApplicationFactory<Program>
{
    /// <summary>Where the API streams bodies to; empty whenever no request is in flight.</summary>
    public string TempPath => temp.Path;

    public IBlobStore Blobs => Services.GetRequiredService<IBlobStore>();

    /// <summary>Replaces services before the host starts (set it before the first request).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>A client holding a fresh owner token (from <c>POST /api/session</c>) as a bearer token.</summary>
    public async Task<HttpClient> CreateOwnerClientAsync(CancellationToken cancellationToken)
    {
        // No redirect handler: it copies every request body into memory so it could replay it.
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = ClientOptions.BaseAddress, AllowAutoRedirect = false, HandleCookies = false });
        using var response = await client.PostAsync("/api/session", null, cancellationToken);
        response.EnsureSuccessStatusCode();
        var session = await response.Content.ReadFromJsonAsync<SessionResponse>(cancellationToken);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", session!.Token);
        return client;
    }

    public async Task<byte[]?> ReadOriginalAsync(string sha256, CancellationToken cancellationToken)
    {
        var download = await Blobs.OpenReadAsync(BlobKeys.Original(sha256), cancellationToken: cancellationToken);
        if (download is null)
        {
            return null;
        }

        await using (download)
        {
            using var copy = new MemoryStream();
            await download.Content.CopyToAsync(copy, cancellationToken);
            return copy.ToArray();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in configuration)
        {
            builder.UseSetting(key, value);
        }

        if (ConfigureServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        temp.Dispose();
    }
}

internal static class HttpAssert
{
    /// <summary>Asserts the status and that the body is a ProblemDetails of <paramref name="type"/>; returns it.</summary>
    public static async Task<Microsoft.AspNetCore.Mvc.ProblemDetails> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonSerializer.Deserialize<Microsoft.AspNetCore.Mvc.ProblemDetails>(body, System.Text.Json.JsonSerializerOptions.Web)!;
        Assert.Equal(type, problem.Type);
        Assert.Equal((int)status, problem.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail), "a human message is expected");
        return problem;
    }
}
