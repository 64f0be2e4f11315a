using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

public sealed class PlaceholderTests : CorpusTest
{
    [Theory]
    [InlineData(230, 30, 30)]
    [InlineData(30, 200, 60)]
    [InlineData(20, 40, 220)]
    public async Task PlaceholderOfASolidPhotoCarriesItsColour(int r, int g, int b)
    {
        var png = PngWriter.Write(800, 500, PngWriter.Rgb, 8, (_, _) => (r * 257, g * 257, b * 257, 65535));

        var result = await Engine.Create().RenderAsync(Save("solid.png", png), [RenditionPreset.Thumb], Cancellation);

        var average = ThumbHash.AverageRgba(result.ThumbHash.Span);
        Assert.Equal(r / 255.0, average.R, 0.05);
        Assert.Equal(g / 255.0, average.G, 0.05);
        Assert.Equal(b / 255.0, average.B, 0.05);
        Assert.Equal(1.0, average.A);
        Assert.InRange(result.ThumbHash.Length, 5, 32);
        Assert.Equal(result.ThumbHash.ToArray(), Convert.FromBase64String(result.Placeholder));
    }

    [Fact]
    public void ThumbHashRecordsWhetherTheImageIsLandscapeOrPortrait()
    {
        var landscape = ThumbHash.FromRgba(100, 50, Gradient(100, 50));
        var portrait = ThumbHash.FromRgba(50, 100, Gradient(50, 100));

        // Bit 15 of the second header word: the landscape flag a decoder uses to restore the aspect ratio.
        Assert.Equal(0x80, landscape[4] & 0x80);
        Assert.Equal(0, portrait[4] & 0x80);
        Assert.NotEqual(landscape, portrait);
    }

    [Fact]
    public void ThumbHashRefusesImagesLargerThan100Pixels()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ThumbHash.FromRgba(101, 10, new byte[101 * 10 * 4]));
    }

    private static byte[] Gradient(int width, int height)
    {
        var rgba = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 4;
                (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = ((byte)(x * 255 / width), (byte)(y * 255 / height), 128, 255);
            }
        }

        return rgba;
    }
}
