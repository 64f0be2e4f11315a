using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

public sealed class ColourAndFormatTests : CorpusTest
{
    private readonly VipsImaging _engine = Engine.Create();

    private static byte[] SolidPng(int width, int height, (int R, int G, int B) colour) =>
        PngWriter.Write(width, height, PngWriter.Rgb, 8, (_, _) => (colour.R, colour.G, colour.B, 65535));

    [Fact]
    public async Task CmykJpegRendersAsThreeBandSrgbWithItsColoursKept()
    {
        var input = Save("red.png", SolidPng(400, 300, (60000, 5000, 5000)));
        var cmyk = Path.Combine(Directory, "red-cmyk.jpg");
        await VipsCli.RunAsync("colourspace", input, cmyk, "cmyk");

        var result = await _engine.RenderAsync(cmyk, cancellationToken: Cancellation);

        var decoded = Decoded.From(result.Renditions.Single(r => r.Name == "small").Content);
        Assert.Equal(3, decoded.Bands);
        Assert.True(decoded.IsReddish(decoded.Width / 2, decoded.Height / 2), $"centre is {decoded.Rgb(decoded.Width / 2, decoded.Height / 2)}");
    }

    [Fact]
    public async Task SixteenBitPngRendersAsEightBitSrgbWithTheSameLevels()
    {
        var png = PngWriter.Write(500, 300, PngWriter.Rgb, 16, (x, _) => x < 250 ? (65535, 0, 0, 65535) : (0, 0, 65535, 65535));

        var result = await _engine.RenderAsync(Save("deep.png", png), cancellationToken: Cancellation);

        var decoded = Decoded.From(result.Renditions.Single(r => r.Name == "large").Content);
        Assert.Equal((500, 300, 3), (decoded.Width, decoded.Height, decoded.Bands));
        Assert.True(decoded.IsReddish(50, 150), $"left is {decoded.Rgb(50, 150)}");
        var (r, g, b) = decoded.Rgb(450, 150);
        Assert.True(b > 200 && r < 60 && g < 60, $"right is {(r, g, b)}");
    }

    [Fact]
    public async Task PngWithAlphaKeepsItsTransparencyInWebP()
    {
        var png = PngWriter.Write(400, 400, PngWriter.Rgba, 8, (x, _) => x < 200 ? (65535, 0, 0, 65535) : (0, 0, 0, 0));

        var result = await _engine.RenderAsync(Save("alpha.png", png), cancellationToken: Cancellation);

        var decoded = Decoded.From(result.Renditions.Single(r => r.Name == "small").Content);
        Assert.Equal(4, decoded.Bands);
        Assert.Equal(255, decoded.Alpha(50, 200));
        Assert.Equal(0, decoded.Alpha(350, 200));
        Assert.True(ThumbHash.AverageRgba(result.ThumbHash.Span).A < 1, "the placeholder records transparency");
    }

    [Fact]
    public async Task PngWithAlphaIsLaidOverWhiteWhenRenditionsAreJpeg()
    {
        var engine = Engine.Create(o => o.Format = OutputFormat.Jpeg);
        var png = PngWriter.Write(400, 400, PngWriter.Rgba, 8, (x, _) => x < 200 ? (65535, 0, 0, 65535) : (0, 0, 0, 0));

        var result = await engine.RenderAsync(Save("alpha.png", png), cancellationToken: Cancellation);

        var small = result.Renditions.Single(r => r.Name == "small");
        Assert.Equal(("image/jpeg", "jpg"), (small.ContentType, small.FileExtension));
        var decoded = Decoded.From(small.Content);
        Assert.Equal(3, decoded.Bands);
        Assert.True(decoded.IsReddish(50, 200));
        var (r, g, b) = decoded.Rgb(350, 200);
        Assert.True(r > 240 && g > 240 && b > 240, $"transparent area became {(r, g, b)}, not white");
    }

    [Fact]
    public async Task AvifOutputIsChosenByOption()
    {
        var engine = Engine.Create(o => o.Format = OutputFormat.Avif);

        var result = await engine.RenderAsync(Save("photo.png", Images.GradientPng(300, 200)), [RenditionPreset.Small], Cancellation);

        var rendition = Assert.Single(result.Renditions);
        Assert.Equal(("image/avif", "avif"), (rendition.ContentType, rendition.FileExtension));
        Assert.Equal(ImageFormat.Avif, Formats.FormatSniffer.Sniff(rendition.Content.Span));
        Assert.Equal((300, 200), (Decoded.From(rendition.Content).Width, Decoded.From(rendition.Content).Height));
    }

    [Theory]
    [InlineData("photo.heic[compression=hevc]", ImageFormat.Heif)]
    [InlineData("photo.avif", ImageFormat.Avif)]
    [InlineData("photo.webp", ImageFormat.WebP)]
    [InlineData("photo.tif", ImageFormat.Tiff)]
    [InlineData("photo.gif", ImageFormat.Gif)]
    public async Task OtherAcceptedFormatsAreProbedAndRenderedUpright(string made, ImageFormat format)
    {
        var marker = PngWriter.Write(900, 600, PngWriter.Rgb, 8, (x, y) => Images.Marker(x, y, 900, 600));
        var path = Save("input", await VipsCli.ConvertAsync(Directory, marker, made));

        var info = await _engine.ProbeAsync(path, Cancellation);
        var result = await _engine.RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal(new ImageInfo(format, 900, 600, 1, 1), info);
        var small = Decoded.From(result.Renditions.Single(r => r.Name == "small").Content);
        Assert.Equal((640, 427), (small.Width, small.Height));
        Assert.True(small.IsReddish(10, 10), $"top-left is {small.Rgb(10, 10)}");
        Assert.False(small.IsReddish(small.Width - 10, small.Height - 10));
    }

    [Fact]
    public async Task ProbeReadsAStreamAsWellAsAPath()
    {
        var jpeg = await JpegAsync(Images.GradientPng(320, 240));

        var info = await _engine.ProbeAsync(new MemoryStream(jpeg), Cancellation);
        var result = await _engine.RenderAsync(new MemoryStream(jpeg), [RenditionPreset.Thumb], Cancellation);

        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 320, 240, 1, 1), info);
        Assert.Equal((256, 240), (result.Renditions[0].Width, result.Renditions[0].Height));
    }
}
