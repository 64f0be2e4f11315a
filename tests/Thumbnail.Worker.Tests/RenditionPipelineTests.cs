using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
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
    public async Task RunningTheSameJobTwiceLeavesTheStoredRenditionsUntouchedAndReportsTheSame()
    {
        await using var harness = await WorkerHarness.StartAsync(cancellationToken: Cancellation);
        var path = await TestImages.CreateAsync(harness.Files.Path, "original.png", 900, 1200, Cancellation);
        var job = await harness.StoreOriginalAsync(path, Cancellation);

        var first = await harness.Pipeline.RunAsync(job, Cancellation);
        var etags = await ETagsAsync(harness, job.Sha256);
        var second = await harness.Pipeline.RunAsync(job with { PhotoId = Guid.NewGuid() }, Cancellation);

        Assert.Equal(etags, await ETagsAsync(harness, job.Sha256));
        Assert.Equal(3, etags.Count);
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
        var before = await ETagsAsync(harness, job.Sha256);
        var small = BlobKeys.Rendition(job.Sha256, "small", "webp");
        Assert.True(await harness.Blobs.DeleteAsync(small, Cancellation));

        var second = await harness.Pipeline.RunAsync(job, Cancellation);
        var after = await ETagsAsync(harness, job.Sha256);

        Assert.Equal(first, second with { Renditions = first.Renditions });
        Assert.Equal(first.Renditions, second.Renditions);
        Assert.NotEqual(before[small], after[small]);
        Assert.All(before.Where(b => b.Key != small), b => Assert.Equal(b.Value, after[b.Key]));
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
