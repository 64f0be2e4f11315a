using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Contracts;
using Scrapbook.Storage;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Services.Tests;

/// <summary>
/// docs/architecture.md end to end through the services' real HTTP endpoints: a photo sent to Upload.Api
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
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(temp.Path, "photo.jpg"), 2400, 1600, cancellationToken);
        using var upload = new HttpClient { BaseAddress = pipeline.Upload.BaseAddress };
        using var gallery = new HttpClient { BaseAddress = pipeline.Gallery.BaseAddress };
        var token = await ScrapbookClient.NewOwnerTokenAsync(upload, cancellationToken);

        using var accepted = await ScrapbookClient.UploadAsync(upload, jpeg, "image/jpeg", token, cancellationToken);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var location = accepted.Headers.Location;
        Assert.NotNull(location);
        var photo = await ScrapbookClient.WaitUntilProcessedAsync(gallery, location.OriginalString, token, s_readyDeadline, cancellationToken);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
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

        await using var redis = await ConnectionMultiplexer.ConnectAsync(pipeline.Servers.Redis.ConnectionString);
        var events = await redis.GetDatabase().StreamRangeAsync(Channels.EventStream, "-", "+");
        Assert.Single(events, e => e["type"] == EventTypes.PhotoReady
            && e["data"].ToString().Contains(photo.Id.ToString(), StringComparison.OrdinalIgnoreCase));
    }

    private IHost BuildClientHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = pipeline.Servers.Azurite.ConnectionString,
        });
        builder.AddBlobStore();
        return builder.Build();
    }
}
