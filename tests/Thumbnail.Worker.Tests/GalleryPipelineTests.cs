using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Messaging;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>The worker against a real Gallery.Api process: what the photo's owner and the wall end up seeing.</summary>
public sealed class GalleryPipelineTests
{
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AJobForAStoredOriginalEndsWithReadableRenditionsAndThePhotoReady()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "original.png", 1200, 1800, Cancellation);
        await harness.StartWorkerProcessAsync(new Dictionary<string, string?>(), Cancellation);

        var uploaded = await harness.UploadAsync(path, 1200, 1800, Cancellation);
        var photo = await harness.WaitUntilSettledAsync(uploaded.Id, s_settle, Cancellation);

        Assert.Equal(PhotoStatus.Ready, photo.Status);
        Assert.Equal((1200, 1800), (photo.Width, photo.Height));
        Assert.False(string.IsNullOrEmpty(photo.Placeholder));
        var probe = harness.Worker.Host.Services.GetRequiredService<IImageProbe>();
        var expected = new[] { (photo.Urls.Thumb, 256, 256), (photo.Urls.Small, 427, 640), (photo.Urls.Large, 1067, 1600) };
        foreach (var (url, width, height) in expected)
        {
            Assert.NotNull(url);
            await using var stored = await harness.Worker.Blobs.OpenReadAsync(url["/media/".Length..], cancellationToken: Cancellation);
            Assert.NotNull(stored);
            Assert.Equal("image/webp", stored.Properties.ContentType);
            var info = await probe.ProbeAsync(stored.Content, Cancellation);
            Assert.Equal((ImageFormat.WebP, width, height), (info.Format, info.Width, info.Height));
        }

        Assert.Single(await harness.EventsAsync(Cancellation), e => e.Type == EventTypes.PhotoReady && e.Data.Contains(photo.Id.ToString("D"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSameJobDeliveredTwiceStoresOneSetOfRenditionsAndAnnouncesThePhotoOnce()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "original.png", 1000, 700, Cancellation);
        var uploaded = await harness.UploadAsync(path, 1000, 700, Cancellation);
        var first = await harness.Worker.ReceiveAsync(TimeSpan.FromSeconds(30), Cancellation);
        Assert.Equal(JobOutcome.Completed, await harness.Worker.Handler.HandleAsync(first, Cancellation));
        var etags = await ETagsAsync(harness.Worker, Cancellation);

        // The outbox relay may send a job twice (it died between sending and marking the row sent).
        await harness.Worker.Queue.SendAsync(new OutgoingJob(Guid.NewGuid().ToString("N"), first.Body), Cancellation);
        var second = await harness.Worker.ReceiveAsync(TimeSpan.FromSeconds(30), Cancellation);
        var outcome = await harness.Worker.Handler.HandleAsync(second, Cancellation);

        Assert.Equal(JobOutcome.Completed, outcome);
        Assert.Equal(3, etags.Count);
        // The same three blobs (touched by the second delivery, which reused them, so their ETags moved on).
        Assert.Equal(etags.Keys.Order(StringComparer.Ordinal), (await ETagsAsync(harness.Worker, Cancellation)).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(PhotoStatus.Ready, (await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status);
        Assert.Single(await harness.EventsAsync(Cancellation), e => e.Type == EventTypes.PhotoReady);
        Assert.Null(await harness.Worker.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3), Cancellation));
    }

    [Fact]
    public async Task ACorruptOriginalFailsThePhotoAtOnceWithTheReasonAndPoisonsTheJob()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateTruncatedPngAsync(harness.Worker.Files.Path, Cancellation);
        var uploaded = await harness.UploadAsync(path, 800, 600, Cancellation);
        var message = await harness.Worker.ReceiveAsync(TimeSpan.FromSeconds(30), Cancellation);

        var outcome = await harness.Worker.Handler.HandleAsync(message, Cancellation);

        Assert.Equal((JobOutcome.Failed, 1L), (outcome, message.DeliveryCount));
        var photo = await harness.GetPhotoAsync(uploaded.Id, Cancellation);
        Assert.Equal(PhotoStatus.Failed, photo.Status);
        Assert.Contains("cannot be decoded", photo.FailureReason, StringComparison.Ordinal);
        Assert.DoesNotContain("libvips", photo.FailureReason, StringComparison.OrdinalIgnoreCase); // its text is for the log
        var poisoned = await harness.Worker.TryReceivePoisonAsync(WorkerHarness.Deadline, Cancellation);
        Assert.NotNull(poisoned);
        Assert.Equal(uploaded.Id, poisoned.Body.ToObjectFromJson(ContractsJsonContext.Default.ThumbnailJob)!.PhotoId);
    }

    [Fact]
    public async Task AJobThatAlwaysFailsIsPoisonedAfterFiveDeliveriesAndThePhotoFailsWithTheLastError()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "original.png", 640, 480, Cancellation);
        var uploaded = await harness.UploadAsync(path, 640, 480, Cancellation);
        var sha256 = (await harness.Worker.ReceiveAsync(TimeSpan.FromSeconds(1), Cancellation)).Body.ToObjectFromJson(ContractsJsonContext.Default.ThumbnailJob)!.Sha256;
        Assert.True(await harness.Worker.Blobs.DeleteAsync(BlobKeys.Original(sha256), Cancellation)); // lost the original: every delivery fails
        var worker = await harness.StartWorkerProcessAsync(
            new Dictionary<string, string?> { ["Worker__VisibilityTimeout"] = "00:00:01", ["Worker__Concurrency"] = "1" },
            Cancellation);

        var photo = await harness.WaitUntilSettledAsync(uploaded.Id, s_settle, Cancellation);

        Assert.True(photo.Status == PhotoStatus.Failed, worker.Output);
        Assert.Contains("was lost", photo.FailureReason, StringComparison.Ordinal);
        Assert.DoesNotContain(sha256, photo.FailureReason, StringComparison.Ordinal); // the blob key is for the log
        Assert.Contains(BlobKeys.Original(sha256), worker.Output, StringComparison.Ordinal);
        Assert.NotNull(await harness.Worker.TryReceivePoisonAsync(WorkerHarness.Deadline, Cancellation));
        // Deliveries 2–5 by the worker process (the test's receive was the first); none after the last.
        Assert.Contains("delivery 5 of message", worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("delivery 6 of message", worker.Output, StringComparison.Ordinal);
        Assert.Null(await harness.Worker.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3), Cancellation));
    }

    [Fact]
    public async Task AWorkerKilledMidRenderLeavesTheJobToAnotherWorkerAndThePhotoStillBecomesReady()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "large.png", 8000, 6000, Cancellation);
        var settings = new Dictionary<string, string?> { ["Worker__VisibilityTimeout"] = "00:00:03", ["Worker__Concurrency"] = "1" };
        var first = await harness.StartWorkerProcessAsync(settings, Cancellation);
        var uploaded = await harness.UploadAsync(path, 8000, 6000, Cancellation);
        await first.WaitForOutputAsync("delivery 1 of message", s_settle, Cancellation);

        await first.DisposeAsync(); // SIGKILL, mid-render
        Assert.Equal(PhotoStatus.Processing, (await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status);
        var second = await harness.StartWorkerProcessAsync(settings, Cancellation);
        var photo = await harness.WaitUntilSettledAsync(uploaded.Id, s_settle, Cancellation);

        Assert.True(photo.Status == PhotoStatus.Ready, second.Output);
        Assert.Contains("delivery 2 of message", second.Output, StringComparison.Ordinal);
        Assert.Equal((8000, 6000), (photo.Width, photo.Height));
    }

    [Fact]
    public async Task ALongRenderStaysHiddenFromOtherReceiversBecauseTheWorkerKeepsExtendingItsVisibility()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "large.png", 8000, 6000, Cancellation);
        var worker = await harness.StartWorkerProcessAsync(
            new Dictionary<string, string?> { ["Worker__VisibilityTimeout"] = "00:00:01", ["Worker__Concurrency"] = "1" },
            Cancellation);
        var uploaded = await harness.UploadAsync(path, 8000, 6000, Cancellation);
        await worker.WaitForOutputAsync("delivery 1 of message", s_settle, Cancellation);

        // Receive as a second worker would, for as long as the render (several visibility timeouts) runs.
        var stolen = new List<JobMessage>();
        var deadline = DateTime.UtcNow + s_settle;
        while ((await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status == PhotoStatus.Processing && DateTime.UtcNow < deadline)
        {
            stolen.AddRange(await harness.Worker.Queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), TimeSpan.Zero, Cancellation));
            await Task.Delay(100, Cancellation);
        }

        Assert.Empty(stolen);
        Assert.Equal(PhotoStatus.Ready, (await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status);
        Assert.DoesNotContain("delivery 2 of message", worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigtermWithAJobInFlightLetsItFinishAndExitsCleanly()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "large.png", 8000, 6000, Cancellation);
        var worker = await harness.StartWorkerProcessAsync(new Dictionary<string, string?> { ["Worker__Concurrency"] = "1" }, Cancellation);
        var uploaded = await harness.UploadAsync(path, 8000, 6000, Cancellation);
        await worker.WaitForOutputAsync("delivery 1 of message", s_settle, Cancellation);

        var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(30));

        Assert.True(exitCode == 0, worker.Output);
        Assert.Equal(PhotoStatus.Ready, (await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status);
        Assert.Null(await harness.Worker.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3), Cancellation));
    }

    [Fact]
    public async Task SigtermThatOutlastsTheShutdownTimeoutReleasesTheJobForAnotherWorkerAtOnce()
    {
        await using var harness = await GalleryHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Worker.Files.Path, "large.png", 8000, 6000, Cancellation);
        var worker = await harness.StartWorkerProcessAsync(
            new Dictionary<string, string?> { ["Worker__Concurrency"] = "1", ["Worker__VisibilityTimeout"] = "00:05:00", ["shutdownTimeoutSeconds"] = "1" },
            Cancellation);
        var uploaded = await harness.UploadAsync(path, 8000, 6000, Cancellation);
        await worker.WaitForOutputAsync("delivery 1 of message", s_settle, Cancellation);

        var exitCode = await worker.StopAsync(TimeSpan.FromSeconds(30));

        TestContext.Current.TestOutputHelper?.WriteLine(worker.Output);
        Assert.True(exitCode == 0, worker.Output);
        if ((await harness.GetPhotoAsync(uploaded.Id, Cancellation)).Status != PhotoStatus.Ready)
        {
            // Not finished within the timeout: released, so visible long before its five-minute visibility timeout.
            var again = await harness.Worker.TryReceiveAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5), Cancellation);
            Assert.True(again is not null, worker.Output);
            Assert.Equal(2, again.DeliveryCount);
            Assert.Contains("released the job of photo", worker.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Every rendition in the store (each test has its own Azurite) by key.</summary>
    private static async Task<Dictionary<string, string>> ETagsAsync(WorkerHarness worker, CancellationToken cancellationToken)
    {
        var etags = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in worker.Blobs.ListAsync("renditions/", cancellationToken))
        {
            etags[item.Key] = item.Properties.ETag;
        }

        return etags;
    }
}
