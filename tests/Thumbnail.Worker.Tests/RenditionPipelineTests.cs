using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Storage;
using Scrapbook.Testing;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker.Tests;

public sealed class RenditionPipelineTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task JobForAStoredOriginalStoresEveryPresetAsReadableWebPOfTheRightSize()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "original.jpg", 2000, 1000, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);

        var request = await harness.Pipeline.RunAsync(job, Cancellation);

        Assert.Equal((2000, 1000), (request.Width, request.Height));
        Assert.NotEmpty(Convert.FromBase64String(request.Placeholder));
        Assert.Equal(["large", "small", "thumb"], request.Renditions.Select(r => r.Preset).Order(StringComparer.Ordinal));
        var expected = new Dictionary<string, (int, int)> { ["thumb"] = (256, 256), ["small"] = (640, 320), ["large"] = (1600, 800) };
        var probe = harness.Host.Services.GetRequiredService<IImageProbe>();
        foreach (var rendition in request.Renditions)
        {
            Assert.Equal(BlobKeys.Rendition(job.Sha256, rendition.Preset, "webp"), rendition.Key);
            Assert.Equal("image/webp", rendition.ContentType);
            Assert.Equal(expected[rendition.Preset], (rendition.Width, rendition.Height));

            await using var stored = await harness.Blobs.OpenReadAsync(rendition.Key, cancellationToken: Cancellation);
            Assert.NotNull(stored);
            Assert.Equal("image/webp", stored.Properties.ContentType);
            Assert.Equal(rendition.Length, stored.Properties.Length);
            var info = await probe.ProbeAsync(stored.Content, Cancellation);
            Assert.Equal((ImageFormat.WebP, rendition.Width, rendition.Height), (info.Format, info.Width, info.Height));
        }
    }

    [Fact]
    public async Task RunningTheSameJobTwiceKeepsTheStoredRenditionsButTouchesThemAndReportsTheSame()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "original.png", 900, 1200, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);

        var first = await harness.Pipeline.RunAsync(job, Cancellation);
        var etags = await ETagsAsync(harness, job.Sha256);
        var contents = await ContentsAsync(harness, job.Sha256);
        var second = await harness.Pipeline.RunAsync(job with { PhotoId = Guid.NewGuid() }, Cancellation);

        // Touched: a clean-up that listed them before this photo was registered can no longer delete them.
        var touched = await ETagsAsync(harness, job.Sha256);
        Assert.Equal(3, etags.Count);
        Assert.All(etags, etag => Assert.NotEqual(etag.Value, touched[etag.Key]));
        Assert.Equal(contents, await ContentsAsync(harness, job.Sha256));
        Assert.Equal(first.Renditions, second.Renditions);
        Assert.Equal((first.Width, first.Height, first.Placeholder), (second.Width, second.Height, second.Placeholder));
    }

    [Fact]
    public async Task AMissingRenditionIsRenderedAgainWhileTheStoredOnesAreKept()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "original.jpg", 1800, 1200, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);
        var first = await harness.Pipeline.RunAsync(job, Cancellation);
        var before = await ContentsAsync(harness, job.Sha256);
        var small = BlobKeys.Rendition(job.Sha256, "small", "webp");
        Assert.True(await harness.Blobs.DeleteAsync(small, Cancellation));

        var second = await harness.Pipeline.RunAsync(job, Cancellation);

        Assert.Equal(first, second with { Renditions = first.Renditions });
        Assert.Equal(first.Renditions, second.Renditions);
        Assert.Equal(before, await ContentsAsync(harness, job.Sha256));
    }

    [Fact]
    public async Task ARenditionDeletedBetweenFindingItStoredAndTouchingItIsStoredAgain()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "original.jpg", 1200, 900, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);
        var first = await harness.Pipeline.RunAsync(job, Cancellation);
        var before = await ContentsAsync(harness, job.Sha256);
        var thumb = BlobKeys.Rendition(job.Sha256, "thumb", "webp");
        var blobs = new InterceptingBlobStore(harness.Blobs);
        var deleted = 0;
        blobs.AfterPut = async (key, outcome) =>
        {
            // A clean-up that found no photo of these bytes deletes the rendition just after this job found it stored.
            if (key == thumb && outcome == BlobPutOutcome.AlreadyExists && Interlocked.CompareExchange(ref deleted, 1, 0) == 0)
            {
                Assert.True(await harness.Blobs.DeleteAsync(thumb, Cancellation));
            }
        };
        var pipeline = ActivatorUtilities.CreateInstance<RenditionPipeline>(harness.Host.Services, (IBlobStore)blobs);

        var second = await pipeline.RunAsync(job with { PhotoId = Guid.NewGuid() }, Cancellation);

        Assert.Equal(1, deleted);
        Assert.Equal(first.Renditions, second.Renditions);
        Assert.Equal(before, await ContentsAsync(harness, job.Sha256));
    }

    [Fact]
    public async Task AJobWhoseOriginalIsMissingFailsWithoutStoringAnything()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var job = WorkerHarness.JobFor(new string('a', 64));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => harness.Pipeline.RunAsync(job, Cancellation));

        Assert.Contains(job.OriginalKey, error.Message, StringComparison.Ordinal);
        Assert.Empty(await ETagsAsync(harness, job.Sha256));
        Assert.Empty(Directory.EnumerateFiles(harness.Files.Path, "scrapbook-original-*"));
    }

    [Fact]
    public async Task AnOriginalThatCannotBeDecodedIsRejectedAndItsTempFileRemoved()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateTruncatedPngAsync(harness.Files.Path, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);

        await Assert.ThrowsAsync<ImageRejectedException>(() => harness.Pipeline.RunAsync(job, Cancellation));

        Assert.Empty(await ETagsAsync(harness, job.Sha256));
        Assert.Empty(Directory.EnumerateFiles(harness.Files.Path, "scrapbook-original-*"));
    }

    [Fact]
    public async Task AnOriginalInAVariantNoDecoderHereReadsFailsWithThatNamedAndNeverAsDamaged()
    {
        // Stored before the probe refused such files: a TIFF whose pixels are JPEG 2000 (libtiff here has no codec).
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var tiff = await TestImages.CreateAsync(harness.Files.Path, "plain.tif", 300, 200, Cancellation);
        var path = Path.Combine(harness.Files.Path, "jpeg2000.tif");
        await File.WriteAllBytesAsync(path, TiffFiles.WithCompression(await File.ReadAllBytesAsync(tiff, Cancellation), 34712), Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);

        var rejected = await Assert.ThrowsAsync<ImageRejectedException>(() => harness.Pipeline.RunAsync(job, Cancellation));
        var reason = FailureReasons.Rejected(rejected);

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.StartsWith("TIFF with JPEG 2000 compression (scheme 34712) is not supported", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("damaged", reason, StringComparison.Ordinal);
    }

    /// <summary>Each rendition's SHA-256: what is stored, whatever its ETag.</summary>
    private static async Task<Dictionary<string, string>> ContentsAsync(WorkerHarness harness, string sha256)
    {
        var contents = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in harness.Blobs.ListAsync(BlobKeys.RenditionPrefix(sha256), Cancellation))
        {
            await using var download = await harness.Blobs.OpenReadAsync(item.Key, cancellationToken: Cancellation);
            contents[item.Key] = Convert.ToHexString(await SHA256.HashDataAsync(download!.Content, Cancellation));
        }

        return contents;
    }

    private static async Task<Dictionary<string, string>> ETagsAsync(WorkerHarness harness, string sha256)
    {
        var etags = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var item in harness.Blobs.ListAsync(BlobKeys.RenditionPrefix(sha256), Cancellation))
        {
            etags[item.Key] = item.Properties.ETag;
        }

        return etags;
    }
}
