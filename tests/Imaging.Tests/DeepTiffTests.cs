using System.Globalization;
using Scrapbook.Imaging.Tests.Support;
using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests;

/// <summary>
/// Greyscale TIFFs deeper than 8 bits, several pages, and greyscale carrying the RGB profile of the
/// photo it was converted from (issue 19): every one libvips reads renders, at the right brightness.
/// </summary>
public sealed class DeepTiffTests : CorpusTest
{
    private const string SrgbProfile = "/usr/share/color/icc/sRGB.icc";

    private readonly VipsImaging _engine = Engine.Create();

    [Theory]
    [InlineData("uchar", 1)]
    [InlineData("ushort", 1)]
    [InlineData("ushort", 2)]
    [InlineData("int", 1)]
    [InlineData("float", 1)]
    public async Task GreyscaleTiffCarryingAnRgbProfileRendersAtItsGreyInsteadOfBeingCalledDamaged(string format, int pages)
    {
        var white = format switch { "uchar" => 255.0, "float" => 1.0, _ => 65535.0 };
        var tiff = await GreyTiffAsync(format, [.. Enumerable.Repeat(white * 0.4, pages)], "deflate", SrgbProfile);

        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        AssertGrey(result, 0.4 * 255);
    }

    [Fact]
    public async Task ThirtyTwoBitIntegerTiffOfSixteenBitValuesRendersAsTheSixteenBitOneInsteadOfClippingToWhite()
    {
        var tiff = await GreyTiffAsync("int", [0.3 * 65535], "none", profile: null);

        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        AssertGrey(result, 0.3 * 255);
    }

    [Fact]
    public async Task ThirtyTwoBitIntegerTiffBeyondSixteenBitsIsScaledFromZeroToItsMaximum()
    {
        // Half the image at 1,000,000 and half at 4,000,000: the maximum is white, the rest in proportion.
        var left = await ConstantAsync("int", 1_000_000, 200, 200);
        var right = await ConstantAsync("int", 4_000_000, 200, 200);
        var joined = Path.Combine(Directory, "joined.v");
        await VipsCli.RunAsync("join", left, right, joined, "horizontal");
        var tiff = Path.Combine(Directory, "wide-range.tif");
        await VipsCli.RunAsync("tiffsave", joined, tiff);

        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        var large = Decoded.From(result.Renditions.Single(r => r.Name == "large").Content);
        Assert.InRange(large.Rgb(100, 100).R, 60, 67);
        Assert.InRange(large.Rgb(300, 100).R, 252, 255);
    }

    [Fact]
    public async Task FloatTiffOfValuesBetweenZeroAndOneRendersAtThatFractionOfWhite()
    {
        var tiff = await GreyTiffAsync("float", [0.75], "none", profile: null);

        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        AssertGrey(result, 0.75 * 255);
    }

    [Fact]
    public async Task TwoPageSixteenBitTiffRendersItsFirstPage()
    {
        var tiff = await GreyTiffAsync("ushort", [0.2 * 65535, 0.9 * 65535], "deflate", profile: null);

        var info = await _engine.ProbeAsync(tiff, Cancellation);
        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        Assert.Equal((2, 300, 200), (info.Frames, info.Width, info.Height));
        AssertGrey(result, 0.2 * 255);
    }

    [Fact]
    public async Task TiffWhosePixelsAreJpeg2000IsRefusedByTheProbeNamingTheCompression()
    {
        var plain = await GreyTiffAsync("uchar", [100], "none", profile: null);
        var path = Save("jpeg2000.tif", TiffFiles.WithCompression(await File.ReadAllBytesAsync(plain, Cancellation), 34712));

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(path, Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Equal("TIFF with JPEG 2000 compression (scheme 34712)", rejected.UnsupportedFeature);
        Assert.StartsWith("TIFF with JPEG 2000 compression (scheme 34712) is not supported", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TiffOfSixtyFourBitSamplesIsRefusedByTheProbeNamingTheDepth()
    {
        var tiff = await GreyTiffAsync("double", [0.5], "none", profile: null);

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(tiff, Cancellation));

        Assert.Equal("TIFF with 64-bit samples", rejected.UnsupportedFeature);
    }

    [Theory]
    [InlineData("deflate")]
    [InlineData("lzw")]
    [InlineData("jpeg")]
    [InlineData("zstd")]
    public async Task TiffInACompressionLibtiffHereDecodesRenders(string compression)
    {
        var tiff = await GreyTiffAsync("uchar", [100], compression, profile: null);

        var result = await _engine.RenderAsync(tiff, cancellationToken: Cancellation);

        AssertGrey(result, 100);
    }

    [Theory]
    [InlineData(0, 200, false, 0, 255)]
    [InlineData(0, 0.5, true, 0, 1)]
    [InlineData(0, 0.5, false, 0, 255)]
    [InlineData(3, 60000, false, 0, 65535)]
    [InlineData(0, 70000, true, 0, 70000)]
    [InlineData(-50, 100, false, -50, 100)]
    [InlineData(5, 5_000_000, false, 0, 5_000_000)]
    [InlineData(-7, -7, true, -7, -6)]
    public void SampleRangeIsTheSmallestCommonRangeHoldingTheValues(double min, double max, bool isFloat, double black, double white) =>
        Assert.Equal(new SampleRange(black, white), SampleRange.For(min, max, isFloat));

    private static void AssertGrey(RenderResult result, double expected)
    {
        foreach (var rendition in result.Renditions)
        {
            var (r, g, b) = Decoded.From(rendition.Content).MeanRgb();
            Assert.True(
                Math.Abs(r - expected) <= 3 && Math.Abs(g - expected) <= 3 && Math.Abs(b - expected) <= 3,
                $"{rendition.Name} has mean {(r, g, b)}, expected grey {expected:0.#} ± 3");
        }
    }

    /// <summary>A 300×200 greyscale TIFF of the given sample format, one constant value per page.</summary>
    private async Task<string> GreyTiffAsync(string format, double[] pageValues, string compression, string? profile)
    {
        var pages = new List<string>();
        foreach (var value in pageValues)
        {
            pages.Add(await ConstantAsync(format, value, 300, 200));
        }

        var stacked = pages[0];
        for (var i = 1; i < pages.Count; i++)
        {
            var next = Path.Combine(Directory, $"stack{i}.v");
            await VipsCli.RunAsync("join", stacked, pages[i], next, "vertical");
            stacked = next;
        }

        var tiff = Path.Combine(Directory, $"grey-{format}-{pages.Count}.tif");
        List<string> arguments = ["tiffsave", stacked, tiff, "--compression", compression];
        if (pages.Count > 1)
        {
            arguments.AddRange(["--page-height", "200"]);
        }

        if (profile is not null)
        {
            arguments.AddRange(["--profile", profile]);
        }

        await VipsCli.RunAsync([.. arguments]);
        return tiff;
    }

    private async Task<string> ConstantAsync(string format, double value, int width, int height)
    {
        var name = Guid.NewGuid().ToString("N");
        var black = Path.Combine(Directory, name + "-black.v");
        var level = Path.Combine(Directory, name + "-level.v");
        var cast = Path.Combine(Directory, name + ".v");
        await VipsCli.RunAsync("black", black, Invariant(width), Invariant(height));
        await VipsCli.RunAsync("linear", black, level, "1", Invariant(value));
        await VipsCli.RunAsync("cast", level, cast, format);
        return cast;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
