using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Contracts;
using Scrapbook.Redis;
using Scrapbook.Storage;
using Scrapbook.Testing;

namespace Scrapbook.Services.Tests;

/// <summary>
/// ARCHITECTURE §4 end to end through the services' real HTTP endpoints: a photo sent to Upload.Api
/// comes out of Gallery.Api ready, with renditions in the blob store and a photo.ready event in Redis.
/// </summary>
public sealed class PhotoPipelineTests(PhotoPipeline pipeline) : IClassFixture<PhotoPipeline>
{
    private static readonly TimeSpan s_readyDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task UploadedPhotoBecomesReadyWithRenditionsInTheBlobStoreAndAReadyEvent()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory();
        var jpeg = await MakeJpegAsync(temp.Path, 2400, 1600, cancellationToken);
        using var upload = new HttpClient { BaseAddress = pipeline.Upload.BaseAddress };
        using var gallery = new HttpClient { BaseAddress = pipeline.Gallery.BaseAddress };
        var token = await NewOwnerTokenAsync(upload, cancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = new ByteArrayContent(jpeg) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var accepted = await upload.SendAsync(request, cancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location;
        Assert.NotNull(location);
        var photo = await PollUntilReadyAsync(gallery, location.OriginalString, token, cancellationToken);
        Assert.Equal(2400, photo.Width);
        Assert.Equal(1600, photo.Height);
        Assert.False(string.IsNullOrEmpty(photo.Placeholder));

        using var host = BuildClientHost();
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        foreach (var url in new[] { photo.Urls.Thumb, photo.Urls.Small, photo.Urls.Large })
        {
            Assert.NotNull(url);
            Assert.StartsWith("/media/renditions/", url, StringComparison.Ordinal);
            var properties = await blobs.GetPropertiesAsync(url["/media/".Length..], cancellationToken);
            Assert.NotNull(properties);
            Assert.True(properties.Length > 0);
        }

        var redis = host.Services.GetRequiredService<IRedisClient>();
        var events = await redis.StreamRangeAsync(Channels.EventStream, "-", "+", cancellationToken: cancellationToken);
        Assert.Single(events, e => e["type"] == EventTypes.PhotoReady
            && e["data"]?.Contains(photo.Id.ToString(), StringComparison.OrdinalIgnoreCase) == true);
    }

    private static async Task<string> NewOwnerTokenAsync(HttpClient upload, CancellationToken cancellationToken)
    {
        using var response = await upload.PostAsync("/api/session", content: null, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<PhotoDto> PollUntilReadyAsync(HttpClient gallery, string location, string token, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        PhotoDto? photo = null;
        while (deadline.Elapsed < s_readyDeadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, location);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await gallery.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                photo = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken);
                if (photo?.Status is PhotoStatus.Ready or PhotoStatus.Failed)
                {
                    Assert.Equal(PhotoStatus.Ready, photo.Status);
                    return photo;
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{location} not ready after {s_readyDeadline}: last seen {photo?.Status.ToString() ?? "nothing"}.");
    }

    private IHost BuildClientHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = pipeline.Servers.Azurite.ConnectionString,
            ["ConnectionStrings:redis"] = pipeline.Servers.Redis.ConnectionString,
        });
        builder.AddBlobStore();
        builder.AddRedisClient();
        return builder.Build();
    }

    private static async Task<byte[]> MakeJpegAsync(string folder, int width, int height, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, "photo.jpg");
        await using var vips = ServerProcess.Start("vips", ["gaussnoise", path + "[Q=90]", Invariant(width), Invariant(height)]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await vips.WaitForExitAsync(timeout.Token));

        return await File.ReadAllBytesAsync(path, cancellationToken);
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
