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
