using Scrapbook.Imaging.Formats;
using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

/// <summary>A file cut short is refused by the probe (so at upload, 422), not first at render.</summary>
public sealed class TruncationTests : CorpusTest
{
    private readonly VipsImaging _engine = Engine.Create();

    [Fact]
    public async Task TruncatedJpegIsRejectedAsCorruptByTheProbeFromAPathAndFromAStream()
    {
        var jpeg = await JpegAsync(Images.GradientPng(1200, 800));
        var truncated = jpeg[..(jpeg.Length * 6 / 10)];

        var fromPath = await RejectedAsync(() => _engine.ProbeAsync(Save("truncated.jpg", truncated), Cancellation));
        var fromStream = await RejectedAsync(() => _engine.ProbeAsync(new MemoryStream(truncated), Cancellation));
        var render = await RejectedAsync(() => _engine.RenderAsync(Save("truncated.jpg", truncated), cancellationToken: Cancellation));

        foreach (var rejected in new[] { fromPath, fromStream, render })
        {
            Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
            Assert.Contains("the file is truncated", rejected.Message, StringComparison.Ordinal);
            Assert.Contains("Jpeg", rejected.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task JpegMissingOnlyItsEndOfImageMarkerIsRejected()
    {
        var jpeg = await JpegAsync(Images.GradientPng(300, 200));

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("no-eoi.jpg", jpeg[..^2]), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("FFD9", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedJpegIsRejectedEvenWhenItsExifThumbnailCarriesAnEndOfImageMarker()
    {
        var jpeg = JpegSegments.Insert(await JpegAsync(Images.GradientPng(600, 400)), JpegSegments.EmbeddedThumbnail());

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("thumbnail.jpg", jpeg[..(jpeg.Length / 2)]), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
    }

    [Fact]
    public async Task JpegWith100KbOfTrailingDataAfterItsEndIsAcceptedAndRenders()
    {
        var jpeg = await JpegAsync(Images.GradientPng(1200, 800));
        var trailer = new byte[100 * 1024];
        new Random(7).NextBytes(trailer);
        "SEFHSEFT"u8.CopyTo(trailer); // the shape of a phone's trailer; its content is irrelevant
        var path = Save("trailer.jpg", [.. jpeg, .. trailer]);

        var info = await _engine.ProbeAsync(path, Cancellation);
        var result = await _engine.RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal((1200, 800), (info.Width, info.Height));
        Assert.Equal(3, result.Renditions.Count);
    }

    [Fact]
    public async Task JpegWhoseTrailerIsLongerThanTheSearchWindowIsAcceptedByWalkingItsScan()
    {
        // A motion photo appends its video after the EOI: megabytes, with no FFD9 near the end.
        var jpeg = await JpegAsync(Images.GradientPng(400, 300));
        var trailer = new byte[TruncationCheck.JpegTrailerWindow + (512 * 1024)];
        var path = Save("motion.jpg", [.. jpeg, .. trailer]);

        var fromPath = await _engine.ProbeAsync(path, Cancellation);
        var fromStream = await _engine.ProbeAsync(new MemoryStream([.. jpeg, .. trailer]), Cancellation);

        Assert.Equal((400, 300), (fromPath.Width, fromPath.Height));
        Assert.Equal(fromPath, fromStream);
    }

    [Theory]
    [InlineData("interlace")] // progressive: many scans, with tables between them
    [InlineData("restart-interval=2")] // RSTn markers inside the scan data
    public async Task JpegScanWalkFindsTheEndOfProgressiveAndRestartCodedFiles(string option)
    {
        var jpeg = await VipsCli.ConvertAsync(Directory, Images.GradientPng(640, 480), $"image.jpg[Q=90,{option}]");
        var trailer = new byte[TruncationCheck.JpegTrailerWindow + 4096];

        var complete = await _engine.ProbeAsync(new MemoryStream([.. jpeg, .. trailer]), Cancellation);
        var truncated = await RejectedAsync(() => _engine.ProbeAsync(new MemoryStream(jpeg[..(jpeg.Length * 8 / 10)]), Cancellation));

        Assert.Equal((640, 480), (complete.Width, complete.Height));
        Assert.Equal(ImageRejectionReason.Corrupt, truncated.Reason);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(-12)] // everything but the IEND chunk
    public async Task TruncatedPngIsRejectedAsCorruptByTheProbe(int keep)
    {
        var png = Images.GradientPng(400, 300);
        var truncated = keep > 0 ? png[..(png.Length * keep / 100)] : png[..^-keep];

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("truncated.png", truncated), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("the file is truncated", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("IEND", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PngWithDataAfterIendIsAccepted()
    {
        var png = Images.GradientPng(400, 300);

        var info = await _engine.ProbeAsync(Save("appended.png", [.. png, .. new byte[4096]]), Cancellation);

        Assert.Equal((400, 300), (info.Width, info.Height));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(-1)] // everything but the trailer byte
    public async Task TruncatedGifIsRejectedAsCorruptByTheProbe(int keep)
    {
        var gif = GifWriter.Animated(64, 64, 3);
        Assert.Equal(0x3B, gif[^1]);
        var truncated = keep > 0 ? gif[..(gif.Length * keep / 100)] : gif[..^-keep];

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("truncated.gif", truncated), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("the file is truncated", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteGifIsAccepted()
    {
        var info = await _engine.ProbeAsync(Save("complete.gif", GifWriter.Animated(64, 64, 3)), Cancellation);

        Assert.Equal((64, 64, 3), (info.Width, info.Height, info.Frames));
    }
}
