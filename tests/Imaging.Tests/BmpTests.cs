using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

/// <summary>BMP goes through Skia's decoder (SkiaBmp), never through libvips' (blocked) ImageMagick loader.</summary>
public sealed class BmpTests : CorpusTest
{
    private static readonly (byte R, byte G, byte B)[] s_redAndGrey = [(120, 120, 120), (230, 20, 20)];

    private readonly VipsImaging _engine = Engine.Create();

    private static int MarkerIndex(int x, int y, int width, int height) => x < width / 5 && y < height / 5 ? 1 : 0;

    private async Task<Decoded> RenderSmallAsync(byte[] bmp)
    {
        var result = await _engine.RenderAsync(Save("image.bmp", bmp), [RenditionPreset.Small], Cancellation);
        Assert.Equal(ImageFormat.Bmp, result.Source.Format);
        return Decoded.From(result.Renditions[0].Content);
    }

    private static void AssertMarkerTopLeft(Decoded decoded)
    {
        Assert.True(decoded.IsReddish(3, 3), $"top-left is {decoded.Rgb(3, 3)}");
        Assert.False(decoded.IsReddish(decoded.Width - 3, decoded.Height - 3), "bottom-right is red");
        Assert.False(decoded.IsReddish(3, decoded.Height - 3), "bottom-left is red: rows are upside down");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwentyFourBitBmpRendersUprightFromBottomUpAndTopDownRows(bool topDown)
    {
        var bmp = BmpWriter.Rgb24(1001, 500, (x, y) => MarkerIndex(x, y, 1001, 500) == 1 ? ((byte)230, (byte)20, (byte)20) : ((byte)120, (byte)120, (byte)120), topDown);

        var info = await _engine.ProbeAsync(Save("image.bmp", bmp), Cancellation);
        var decoded = await RenderSmallAsync(bmp);

        Assert.Equal(new ImageInfo(ImageFormat.Bmp, 1001, 500, 1, 1), info);
        Assert.Equal((640, 320), (decoded.Width, decoded.Height));
        AssertMarkerTopLeft(decoded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public async Task PaletteBmpRendersItsPaletteColours(int bits)
    {
        var decoded = await RenderSmallAsync(BmpWriter.Indexed(403, 301, bits, s_redAndGrey, (x, y) => MarkerIndex(x, y, 403, 301)));

        Assert.Equal((403, 301), (decoded.Width, decoded.Height));
        AssertMarkerTopLeft(decoded);
    }

    [Fact]
    public async Task Rle8BmpIsDecoded()
    {
        var decoded = await RenderSmallAsync(BmpWriter.Rle8(700, 350, s_redAndGrey, (x, y) => MarkerIndex(x, y, 700, 350)));

        Assert.Equal((640, 320), (decoded.Width, decoded.Height));
        AssertMarkerTopLeft(decoded);
    }

    [Fact]
    public async Task Rle4BmpIsDecoded()
    {
        var decoded = await RenderSmallAsync(BmpWriter.Rle4(500, 300, s_redAndGrey, (x, y) => MarkerIndex(x, y, 500, 300)));

        Assert.Equal((500, 300), (decoded.Width, decoded.Height));
        AssertMarkerTopLeft(decoded);
    }

    [Fact]
    public async Task SixteenBitBmpIsDecoded()
    {
        var decoded = await RenderSmallAsync(BmpWriter.Rgb555(320, 240, (x, y) => MarkerIndex(x, y, 320, 240) == 1 ? ((byte)230, (byte)20, (byte)20) : ((byte)120, (byte)120, (byte)120)));

        Assert.Equal((320, 240), (decoded.Width, decoded.Height));
        AssertMarkerTopLeft(decoded);
    }

    [Fact]
    public async Task ThirtyTwoBitBmpWithAnAlphaMaskKeepsTransparency()
    {
        var decoded = await RenderSmallAsync(BmpWriter.Rgba32V5(300, 200, (x, _) => x < 150 ? ((byte)230, (byte)20, (byte)20, (byte)255) : ((byte)0, (byte)0, (byte)0, (byte)0)));

        Assert.Equal(4, decoded.Bands);
        Assert.Equal(255, decoded.Alpha(20, 100));
        Assert.Equal(0, decoded.Alpha(280, 100));
        Assert.True(decoded.IsReddish(20, 100));
    }

    [Fact]
    public async Task TruncatedBmpIsRejectedAsCorrupt()
    {
        var bmp = BmpWriter.Rgb24(400, 300, (_, _) => (1, 2, 3));

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("cut.bmp", bmp[..(bmp.Length / 2)]), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("truncated", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BmpWrappingAJpegIsRejectedAsUnsupportedFormat()
    {
        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("wrapped.bmp", BmpWriter.EmbeddedJpeg(64, 64)), Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
    }

    [Fact]
    public async Task BmpWhoseHeaderPromisesMoreRowsThanTheFileHoldsIsRejectedAsCorrupt()
    {
        // A 30000×30000 header over a 4-byte body: the reader checks sizes against the file before reading rows.
        var bmp = BmpWriter.Rgb24(1, 1, (_, _) => (0, 0, 0));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), 30000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), 30000);

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(Save("huge.bmp", bmp), Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("truncated", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RleBmpWhoseHeaderDeclaresMoreThanThePixelLimitIsRefusedBeforeAnyDecode()
    {
        // A few hundred bytes of RLE8 claiming 20000×20000: an RLE stream has no fixed size, so only the limit stops it.
        var bomb = BmpWriter.Rle8(4, 4, s_redAndGrey, (_, _) => 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bomb.AsSpan(18), 20000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bomb.AsSpan(22), 20000);
        var path = Save("bomb.bmp", bomb);

        var probe = await RejectedAsync(() => _engine.ProbeAsync(path, Cancellation));
        var render = await RejectedAsync(() => _engine.RenderAsync(path, cancellationToken: Cancellation));

        Assert.Equal(ImageRejectionReason.TooManyPixels, probe.Reason);
        Assert.Equal(ImageRejectionReason.TooManyPixels, render.Reason);
    }

    [Fact]
    public async Task RleBmpCutShortInItsPixelDataIsRejectedAsTruncated()
    {
        var rle = BmpWriter.Rle8(700, 350, s_redAndGrey, (x, y) => (x + y) % 2);

        var rejected = await RejectedAsync(() => _engine.RenderAsync(Save("cut-rle.bmp", rle[..(rle.Length / 2)]), cancellationToken: Cancellation));

        Assert.Equal(ImageRejectionReason.Corrupt, rejected.Reason);
        Assert.Contains("truncated", rejected.Message, StringComparison.Ordinal);
    }
}
