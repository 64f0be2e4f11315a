using System.Net;
using Scrapbook.Client.Models;
using Scrapbook.Testing;

namespace Scrapbook.Client.Tests;

/// <summary>The client library against the whole system as the AppHost runs it, through the gateway.</summary>
public sealed class ClientAgainstTheSystemTests(ScrapbookApp system) : IClassFixture<ScrapbookApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadReportsItsProgressAndItsPhotoArrivesReadyOnTheEventStream()
    {
        using var http = system.CreateGatewayClient(TimeSpan.FromMinutes(2));
        var api = ScrapbookClientFactory.Create(http);
        var session = await api.Api.Session.PostAsync(cancellationToken: Ct);
        var token = Assert.IsType<string>(session?.Token);
        using var folder = new TempDirectory("client");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "client.jpg"), 2000, 1500, Ct);

        using var events = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        events.CancelAfter(TimeSpan.FromMinutes(2));
        await using var stream = EventStream.ReadAsync(http, token, cancellationToken: events.Token).GetAsyncEnumerator(events.Token);
        var reports = new List<long>();
        var upload = await new PhotoUploader(http, token).UploadAsync(
            new MemoryStream(jpeg), "image/jpeg", caption: "from the client", progress: new SynchronousProgress(reports), cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.Accepted, upload.Status);
        var photoId = Assert.IsType<Guid>(upload.Photo?.Id);
        Assert.NotEmpty(reports);
        Assert.Equal(jpeg.Length, reports[^1]);
        Assert.Equal(reports.Order(), reports);

        ScrapbookEvent ready;
        do
        {
            Assert.True(await stream.MoveNextAsync(), "the event stream ended");
            ready = stream.Current;
        }
        while (ready.Type != "photo.ready" || ready.Photo?.Id != photoId);
        Assert.Equal("from the client", ready.Photo.Caption);
        Assert.NotNull(ready.Id);

        var mine = await ScrapbookClientFactory.Create(http, token).Api.Me.Photos.GetAsync(cancellationToken: Ct);
        Assert.Contains(mine!.Items!, photo => photo.Id == photoId && photo.Status == PhotoStatus.Ready);
    }

    [Fact]
    public async Task ARefusedUploadComesBackAsItsProblemWithItsType()
    {
        using var http = system.CreateGatewayClient();
        var session = await ScrapbookClientFactory.Create(http).Api.Session.PostAsync(cancellationToken: Ct);

        var result = await new PhotoUploader(http, session!.Token!).UploadAsync(
            new MemoryStream("%PDF-1.7 not an image"u8.ToArray()), "image/jpeg", cancellationToken: Ct);

        Assert.False(result.Succeeded);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, result.Status);
        Assert.Equal(Contracts.ProblemTypes.UnsupportedFormat, result.Problem?.Type);
    }

    [Fact]
    public async Task AFileAboveTheThresholdGoesStraightToStorageInBlocksAndBecomesAPhoto()
    {
        var paths = new List<string>();
        using var http = new HttpClient(new RecordingHandler(paths)) { BaseAddress = system.GatewayUrl, Timeout = TimeSpan.FromMinutes(2) };
        var session = await ScrapbookClientFactory.Create(http).Api.Session.PostAsync(cancellationToken: Ct);
        var token = session!.Token!;
        using var folder = new TempDirectory("client-direct");
        // Noise does not compress: a 12 MP JPEG of it takes two 4 MiB blocks.
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "direct.jpg"), 4000, 3000, Ct);
        Assert.True(jpeg.Length > 4 * 1024 * 1024, $"{jpeg.Length} bytes");
        var reports = new List<long>();

        var upload = await new PhotoUploader(http, token) { DirectUploadThreshold = 1024 * 1024 }.UploadAsync(
            new MemoryStream(jpeg), "image/jpeg", caption: "straight to storage", progress: new SynchronousProgress(reports), cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.Accepted, upload.Status);
        Assert.Equal("straight to storage", upload.Photo?.Caption);
        Assert.True(upload.SentToStorage);
        Assert.Equal(jpeg.Length, reports.Max());
        Assert.Equal(["/api/session", "/api/uploads/direct", $"/api/uploads/{paths[^1].Split('/')[3]}/complete"], paths);
        var photo = await ScrapbookClient.WaitUntilProcessedAsync(http, $"/api/photos/{upload.Photo!.Id}", token, TimeSpan.FromMinutes(2), Ct);
        Assert.Equal((4000, 3000), (photo.Width, photo.Height));
    }

    /// <summary>Records the path of every request the client sends to the gateway (the PUTs to storage use their own pipeline).</summary>
    private sealed class RecordingHandler(List<string> paths) : DelegatingHandler(new HttpClientHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (paths)
            {
                paths.Add(request.RequestUri!.AbsolutePath);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool, so reports could arrive after the upload returns; this records at once.</summary>
    private sealed class SynchronousProgress(List<long> reports) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
