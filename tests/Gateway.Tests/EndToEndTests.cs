using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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
        var jpeg = await MakeJpegAsync(Path.Combine(temp.Path, "photo.jpg"), cancellationToken);
        using var client = system.Gateway.CreateGatewayClient();

        using var session = await client.PostAsync("/api/session", content: null, cancellationToken);
        session.EnsureSuccessStatusCode();
        using var sessionBody = JsonDocument.Parse(await session.Content.ReadAsStringAsync(cancellationToken));
        var token = sessionBody.RootElement.GetProperty("token").GetString()!;

        using var upload = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = new ByteArrayContent(jpeg) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var accepted = await client.SendAsync(upload, cancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var photo = await PollUntilReadyAsync(client, accepted.Headers.Location!.OriginalString, token, cancellationToken);
        using var thumbnail = await client.GetAsync(photo.Urls.Thumb, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.StartsWith("image/", thumbnail.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.True((await thumbnail.Content.ReadAsByteArrayAsync(cancellationToken)).Length > 0);
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", thumbnail.Headers.GetValues("Cache-Control")));
    }

    private static async Task<PhotoDto> PollUntilReadyAsync(HttpClient client, string location, string token, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        PhotoDto? photo = null;
        while (elapsed.Elapsed < s_readyDeadline)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, location);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(request, cancellationToken);
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

    private static async Task<byte[]> MakeJpegAsync(string path, CancellationToken cancellationToken)
    {
        await using var vips = ServerProcess.Start("vips", ["gaussnoise", path + "[Q=90]", "1200", "800"]);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        Assert.Equal(0, await vips.WaitForExitAsync(timeout.Token));
        return await File.ReadAllBytesAsync(path, cancellationToken);
    }
}
