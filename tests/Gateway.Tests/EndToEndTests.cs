using System.Net;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>The real Gallery.Api, Upload.Api and Thumbnail.Worker behind the gateway, as a client sees them.</summary>
public sealed class PipelineBehindGateway : IAsyncLifetime
{
    private GatewayServer? _gateway;

    public PhotoPipeline Pipeline { get; } = new();

    internal GatewayServer Gateway => _gateway!;

    public async ValueTask InitializeAsync()
    {
        await Pipeline.InitializeAsync();
        _gateway = new GatewayServer(new Dictionary<string, string?>
        {
            ["ConnectionStrings:blobs"] = Pipeline.Servers.Azurite.ConnectionString,
            ["services:gallery-api:http:0"] = Pipeline.Gallery.BaseAddress.ToString().TrimEnd('/'),
            ["services:upload-api:http:0"] = Pipeline.Upload.BaseAddress.ToString().TrimEnd('/'),
        });
        _gateway.StartServer();
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await Pipeline.DisposeAsync();
    }
}

public sealed class EndToEndTests(PipelineBehindGateway system) : IClassFixture<PipelineBehindGateway>
{
    private static readonly TimeSpan s_readyDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task PhotoUploadedThroughTheGatewayBecomesReadyAndItsThumbnailDownloadsFromMedia()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var temp = new TempDirectory();
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(temp.Path, "photo.jpg"), 1200, 800, cancellationToken);
        using var client = system.Gateway.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(client, cancellationToken);

        using var accepted = await ScrapbookClient.UploadAsync(client, jpeg, "image/jpeg", token, cancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var photo = await ScrapbookClient.WaitUntilProcessedAsync(client, accepted.Headers.Location!.OriginalString, token, s_readyDeadline, cancellationToken);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        using var thumbnail = await client.GetAsync(photo.Urls.Thumb, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.StartsWith("image/", thumbnail.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.True((await thumbnail.Content.ReadAsByteArrayAsync(cancellationToken)).Length > 0);
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", thumbnail.Headers.GetValues("Cache-Control")));
    }
}
