using System.Globalization;
using Scrapbook.Imaging.Tests.Support;
using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests;

/// <summary>
/// The format corpus, made by the tests themselves (vips CLI, libjpeg-turbo's cjpeg, Debian's ICC
/// profiles; nothing downloaded), one file per case with the outcome asserted: every rendition's
/// mean colour against the colour the file was made from, or the refusal and its reason.
/// Tolerances, per channel on 0–255: 4 for lossless sources, 6 for JPEG sources, 12 for CMYK round
/// trips (the CMYK profile's gamut and black generation move a saturated colour by up to ~10).
/// Debian 12 ships no Display P3 profile, so the P3 cases embed one the tests write (<see cref="DisplayP3"/>).
/// </summary>
public sealed class CorpusTests : CorpusTest
{
    private const string AdobeRgb = "/usr/share/color/icc/colord/AdobeRGB1998.icc";
    private const string ProPhoto = "/usr/share/color/icc/colord/ProPhotoRGB.icc";

    private static readonly (double R, double G, double B) s_orange = (200, 120, 60);
    private static readonly (double R, double G, double B) s_grey = (100, 100, 100);

    private readonly VipsImaging _engine = Engine.Create();

    public static TheoryData<string> Rendered =>
    [
        "png-grey-8", "png-grey-16", "png-rgb-8", "png-rgb-16", "png-rgba-8", "png-rgba-16",
        "tiff-grey-8", "tiff-grey-16", "tiff-rgb-8", "tiff-rgb-16", "tiff-rgba-8", "tiff-rgba-16",
        "tiff-grey-int32", "tiff-grey-float", "tiff-rgb-int32", "tiff-lab-float", "tiff-labs-16", "tiff-multipage",
        "jpeg-cmyk-icc", "jpeg-cmyk-untagged", "tiff-cmyk-icc", "tiff-cmyk-untagged",
        "jpeg-adobe-rgb", "png-prophoto-16", "jpeg-display-p3", "png-display-p3", "tiff-1bit",
        "jpeg-progressive", "jpeg-arithmetic", "heic", "webp-animated",
    ];

    [Theory]
    [MemberData(nameof(Rendered))]
    public async Task EveryCorpusFileRendersToSrgbOfTheColourItWasMadeFrom(string name)
    {
        var (path, expected, tolerance) = await MakeAsync(name);

        var result = await _engine.RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal(3, result.Renditions.Count);
        foreach (var rendition in result.Renditions)
        {
            var (r, g, b) = Decoded.From(rendition.Content).MeanRgb();
            Assert.True(
                Math.Abs(r - expected.R) <= tolerance && Math.Abs(g - expected.G) <= tolerance && Math.Abs(b - expected.B) <= tolerance,
                $"{name} {rendition.Name}: mean {(r, g, b)}, expected {expected} ± {tolerance}");
        }
    }

    [Fact]
    public async Task TheDisplayP3ProfileTheTestsWriteIsReadByLibvipsAsTheStandardP3Matrices()
    {
        // Checked against libvips' own icc_transform (lcms), not the engine: if the profile were malformed, or its
        // colorants wrong, the P3 corpus cases would compare the engine against a colour no P3 file has.
        var profile = Save("display-p3.icc", DisplayP3.IccProfile());
        (double R, double G, double B)[] colours = [s_orange, s_grey, (255, 255, 255), (60, 140, 200), (180, 200, 80)];
        foreach (var colour in colours)
        {
            var srgb = await VipsAsync("srgb.v", "icc_transform", await SolidAsync(colour, 8, 8, format: "v"), "{out}", "srgb", "--input-profile", profile);
            var converted = await VipsAsync("srgb.png", "copy", srgb, "{out}");

            var (r, g, b) = Decoded.From(await File.ReadAllBytesAsync(converted, Cancellation)).MeanRgb();
            var expected = DisplayP3.ToSrgb(colour);
            Assert.True(
                Math.Abs(r - expected.R) <= 2 && Math.Abs(g - expected.G) <= 2 && Math.Abs(b - expected.B) <= 2,
                $"P3 {colour}: libvips made {(r, g, b)}, the standard matrices {expected}");
        }
    }

    [Fact]
    public async Task SaturatedP3ColoursOutsideSrgbAreClippedToTheNearestSrgbColourNeverWrapped()
    {
        // P3's red and green lie outside sRGB: exactly converted, red is (1.22, -0.04, -0.02) in linear sRGB and green
        // (-0.22, 1.04, -0.08). Clipped, they are sRGB's own red and green; wrapped or misread, a channel would jump.
        var red = await SolidAsync((255, 0, 0), 100, 200, format: "v");
        var green = await SolidAsync((0, 255, 0), 100, 200, format: "v");
        var grey = await SolidAsync(s_grey, 100, 200, format: "v");
        var stripes = await VipsAsync("stripes.v", "arrayjoin", $"{red} {green} {grey}", "{out}");
        var profile = Save("display-p3.icc", DisplayP3.IccProfile());
        var png = await VipsAsync("p3-stripes.png", "pngsave", stripes, "{out}", "--profile", profile);

        var result = await _engine.RenderAsync(png, cancellationToken: Cancellation);

        var large = Decoded.From(result.Renditions.Single(r => r.Name == "large").Content);
        Assert.Equal((300, 200), (large.Width, large.Height));
        (int X, (double R, double G, double B) P3)[] stripeCentres = [(50, (255, 0, 0)), (150, (0, 255, 0)), (250, s_grey)];
        foreach (var (x, p3) in stripeCentres)
        {
            var (r, g, b) = large.Rgb(x, 100);
            var expected = DisplayP3.ToSrgb(p3);
            Assert.True(
                Math.Abs(r - expected.R) <= 4 && Math.Abs(g - expected.G) <= 4 && Math.Abs(b - expected.B) <= 4,
                $"P3 {p3} rendered as {(r, g, b)}, expected {expected} ± 4");
        }
    }

    [Fact]
    public async Task PalettePngWithATransparentHalfKeepsItsColourAndItsTransparency()
    {
        var opaque = await SolidAsync(s_orange, 150, 200, alpha: 255);
        var clear = await SolidAsync((0, 0, 0), 150, 200, alpha: 0);
        var joined = await VipsAsync("joined.v", "join", opaque, clear, "{out}", "horizontal");
        var png = await VipsAsync("palette.png", "pngsave", joined, "{out}", "--palette");

        var result = await _engine.RenderAsync(png, cancellationToken: Cancellation);

        var small = Decoded.From(result.Renditions.Single(r => r.Name == "small").Content);
        Assert.Equal(4, small.Bands);
        Assert.Equal((255, 0), (small.Alpha(50, 100), small.Alpha(250, 100)));
        var (r, g, b) = small.Rgb(50, 100);
        Assert.True(Math.Abs(r - 200) <= 4 && Math.Abs(g - 120) <= 4 && Math.Abs(b - 60) <= 4, $"opaque half is {(r, g, b)}");
    }

    [Fact]
    public async Task HeicCarryingExifOrientationSixIsShownAsItsOwnBoxesSayAndNeverTurnedByTheExifTag()
    {
        // HEIF's transforms (irot, imir) decide how it shows; its EXIF orientation is informative only,
        // and phones write both, so a reader honouring both would turn a photo twice. libheif applies
        // the boxes; libvips reports no orientation for HEIF. This file has the tag and no irot: it
        // shows as stored (300×200), as in browsers.
        var jpeg = JpegSegments.Insert(await File.ReadAllBytesAsync(await SolidAsync(s_orange, 300, 200, format: "jpg"), Cancellation), JpegSegments.Exif(6));
        var heic = await VipsAsync("oriented.heic", "heifsave", Save("oriented.jpg", jpeg), "{out}", "--compression", "hevc");
        Assert.True(Metadata.Contains(await File.ReadAllBytesAsync(heic, Cancellation), JpegSegments.CameraMake), "the HEIC carries the EXIF block");

        var result = await _engine.RenderAsync(heic, cancellationToken: Cancellation);

        Assert.Equal((300, 200), (result.Source.UprightWidth, result.Source.UprightHeight));
        var large = result.Renditions.Single(r => r.Name == "large");
        Assert.Equal((300, 200), (large.Width, large.Height));
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "tiff-jpeg2000", "TIFF with JPEG 2000 compression (scheme 34712)" },
        { "tiff-grey-64bit", "TIFF with 64-bit samples" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ReadableFilesInAVariantNothingHereDecodesAreRefusedAtTheProbeByName(string name, string feature)
    {
        var path = name switch
        {
            "tiff-jpeg2000" => Save("j2k.tif", TiffFiles.WithCompression(await File.ReadAllBytesAsync(await SolidAsync(s_grey, 300, 200, format: "tif"), Cancellation), 34712)),
            _ => await VipsAsync("double.tif", "cast", await SolidAsync((0.5, 0.5, 0.5), 300, 200, bands: 1, format: "v"), "{out}", "double"),
        };

        var rejected = await RejectedAsync(() => _engine.ProbeAsync(path, Cancellation));

        Assert.Equal(ImageRejectionReason.UnsupportedFormat, rejected.Reason);
        Assert.Equal(feature, rejected.UnsupportedFeature);
        Assert.DoesNotContain("decoded", rejected.Message, StringComparison.Ordinal);
    }

    private async Task<(string Path, (double R, double G, double B) Expected, double Tolerance)> MakeAsync(string name)
    {
        switch (name)
        {
            case "png-grey-8" or "tiff-grey-8":
                return (await SolidAsync(s_grey, 300, 200, bands: 1, format: Suffix(name)), s_grey, 4);
            case "png-grey-16" or "tiff-grey-16":
                return (await Deep16Async(s_grey, bands: 1, "grey16", Suffix(name)), s_grey, 4);
            case "png-rgb-8" or "tiff-rgb-8":
                return (await SolidAsync(s_orange, 300, 200, format: Suffix(name)), s_orange, 4);
            case "png-rgb-16" or "tiff-rgb-16":
                return (await Deep16Async(s_orange, bands: 3, "rgb16", Suffix(name)), s_orange, 4);
            case "png-rgba-8" or "tiff-rgba-8":
                return (await SolidAsync(s_orange, 300, 200, alpha: 255, format: Suffix(name)), s_orange, 4);
            case "png-rgba-16" or "tiff-rgba-16":
                return (await Deep16Async(s_orange, bands: 4, "rgb16", Suffix(name)), s_orange, 4);
            case "tiff-grey-int32":
                {
                    var deep = await Deep16Async(s_grey, bands: 1, "grey16", "v");
                    return (await VipsAsync("int.tif", "cast", deep, "{out}", "int"), s_grey, 4);
                }

            case "tiff-grey-float":
                {
                    var half = await SolidAsync((0.5, 0.5, 0.5), 300, 200, bands: 1, format: "v");
                    return (await VipsAsync("float.tif", "cast", half, "{out}", "float"), (127.5, 127.5, 127.5), 4);
                }

            case "tiff-rgb-int32":
                {
                    var deep = await Deep16Async(s_orange, bands: 3, "rgb16", "v");
                    return (await VipsAsync("int-rgb.tif", "cast", deep, "{out}", "int"), s_orange, 4);
                }

            case "tiff-lab-float" or "tiff-labs-16":
                {
                    // CIELAB TIFFs: libvips' own colour spaces, converted by libvips, never rescaled.
                    var lab = await VipsAsync("lab.v", "colourspace", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", name == "tiff-lab-float" ? "lab" : "labs");
                    return (await VipsAsync(name + ".tif", "tiffsave", lab, "{out}"), s_orange, 4);
                }

            case "tiff-multipage":
                {
                    var first = await SolidAsync(s_orange, 300, 200, format: "v");
                    var second = await SolidAsync((20, 40, 220), 300, 200, format: "v");
                    var stacked = await VipsAsync("stacked.v", "join", first, second, "{out}", "vertical");
                    return (await VipsAsync("pages.tif", "tiffsave", stacked, "{out}", "--page-height", "200"), s_orange, 4);
                }

            case "jpeg-cmyk-icc" or "jpeg-cmyk-untagged" or "tiff-cmyk-icc" or "tiff-cmyk-untagged":
                {
                    var cmyk = await VipsAsync("cmyk.v", "icc_transform", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", "cmyk", "--input-profile", "srgb");
                    var saver = name.StartsWith("jpeg", StringComparison.Ordinal) ? "jpegsave" : "tiffsave";
                    List<string> arguments = [saver, cmyk, "{out}"];
                    if (name.EndsWith("untagged", StringComparison.Ordinal))
                    {
                        arguments.Add("--strip");
                    }

                    return (await VipsAsync(name + (saver == "jpegsave" ? ".jpg" : ".tif"), [.. arguments]), s_orange, 12);
                }

            case "jpeg-adobe-rgb":
                {
                    var adobe = await VipsAsync("adobe.v", "icc_transform", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", AdobeRgb, "--input-profile", "srgb");
                    return (await VipsAsync("adobe.jpg", "jpegsave", adobe, "{out}", "--Q", "95"), s_orange, 6);
                }

            case "png-prophoto-16":
                {
                    var wide = await VipsAsync("prophoto.v", "icc_transform", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", ProPhoto, "--input-profile", "srgb", "--depth", "16");
                    return (await VipsAsync("prophoto.png", "pngsave", wide, "{out}"), s_orange, 4);
                }

            case "jpeg-display-p3" or "png-display-p3":
                {
                    // The orange's values as P3: exactly converted, sRGB (213, 115, 42), which read as untagged would miss.
                    var profile = Save("display-p3.icc", DisplayP3.IccProfile());
                    var p3 = await SolidAsync(s_orange, 300, 200, format: "v");
                    return name == "jpeg-display-p3"
                        ? (await VipsAsync("p3.jpg", "jpegsave", p3, "{out}", "--Q", "95", "--profile", profile), DisplayP3.ToSrgb(s_orange), 6)
                        : (await VipsAsync("p3.png", "pngsave", p3, "{out}", "--profile", profile), DisplayP3.ToSrgb(s_orange), 4);
                }

            case "tiff-1bit":
                {
                    // Columns alternately black and white: every crop and every shrink of it is mid grey.
                    var xyz = await VipsAsync("xyz.v", "xyz", "{out}", "300", "200");
                    var x = await VipsAsync("x.v", "extract_band", xyz, "{out}", "0");
                    var odd = await VipsAsync("odd.v", "remainder_const", x, "{out}", "2");
                    var stripes = await VipsAsync("stripes.v", "linear", odd, "{out}", "255", "0", "--uchar");
                    return (await VipsAsync("bilevel.tif", "tiffsave", stripes, "{out}", "--bitdepth", "1"), (127.5, 127.5, 127.5), 4);
                }

            case "jpeg-progressive":
                return (await VipsAsync("progressive.jpg", "jpegsave", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", "--interlace", "--Q", "95"), s_orange, 6);
            case "jpeg-arithmetic":
                {
                    var ppm = await SolidAsync(s_orange, 300, 200, format: "ppm");
                    var output = Path.Combine(Directory, "arithmetic.jpg");
                    await Tool.RunAsync("cjpeg", ["-arithmetic", "-quality", "95", "-outfile", output, ppm], cancellationToken: Cancellation);
                    return (output, s_orange, 6);
                }

            case "heic":
                return (await VipsAsync("photo.heic", "heifsave", await SolidAsync(s_orange, 300, 200, format: "v"), "{out}", "--compression", "hevc", "--Q", "95"), s_orange, 6);
            case "webp-animated":
                {
                    var first = await SolidAsync(s_orange, 300, 200, format: "v");
                    var second = await SolidAsync((20, 40, 220), 300, 200, format: "v");
                    var stacked = await VipsAsync("frames.v", "join", first, second, "{out}", "vertical");
                    var pages = await VipsAsync("frames.tif", "tiffsave", stacked, "{out}", "--page-height", "200");
                    return (await VipsAsync("animated.webp", "webpsave", pages + "[n=-1]", "{out}", "--lossless"), s_orange, 4);
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "Not a corpus case.");
        }
    }

    private static string Suffix(string name) => name.StartsWith("png", StringComparison.Ordinal) ? "png" : "tif";

    /// <summary>A 300×200 image of one colour, 8 bits (values as given, so 0.5 stays 0.5 for a later cast), saved by suffix.</summary>
    private async Task<string> SolidAsync((double R, double G, double B) colour, int width, int height, int bands = 3, int? alpha = null, string format = "png")
    {
        var black = await VipsAsync("black.v", "black", "{out}", Invariant(width), Invariant(height), "--bands", Invariant(bands));
        double[] levels = bands == 1 ? [colour.R] : [colour.R, colour.G, colour.B];
        var level = await VipsAsync("level.v", "linear", black, "{out}", string.Join(' ', Enumerable.Repeat("1", bands)), string.Join(' ', levels.Select(Invariant)));
        var isFraction = levels.Any(l => l % 1 != 0);
        var image = isFraction ? level : await VipsAsync("cast.v", "cast", level, "{out}", "uchar");
        if (alpha is { } a)
        {
            image = await VipsAsync("alpha.v", "bandjoin_const", image, "{out}", Invariant(a));
        }

        return format == "v" ? image : await VipsAsync("solid." + format, "copy", image, "{out}");
    }

    /// <summary>The colour at 16 bits per sample (×257, so 8-bit white is 16-bit white), with an opaque alpha for 4 bands.</summary>
    private async Task<string> Deep16Async((double R, double G, double B) colour, int bands, string interpretation, string format)
    {
        var colourBands = Math.Min(bands, 3);
        var black = await VipsAsync("black.v", "black", "{out}", "300", "200", "--bands", Invariant(colourBands));
        double[] levels = colourBands == 1 ? [colour.R * 257] : [colour.R * 257, colour.G * 257, colour.B * 257];
        var level = await VipsAsync("level.v", "linear", black, "{out}", string.Join(' ', Enumerable.Repeat("1", colourBands)), string.Join(' ', levels.Select(Invariant)));
        var image = await VipsAsync("ushort.v", "cast", level, "{out}", "ushort");
        if (bands == 4)
        {
            image = await VipsAsync("alpha.v", "bandjoin_const", image, "{out}", "65535");
        }

        var tagged = await VipsAsync("tagged.v", "copy", image, "{out}", "--interpretation", interpretation);
        return format == "v" ? tagged : await VipsAsync("deep." + format, "copy", tagged, "{out}");
    }

    /// <summary>Runs vips with "{out}" replaced by a new file named after <paramref name="name"/>; returns that file.</summary>
    private async Task<string> VipsAsync(string name, params string[] arguments)
    {
        var output = Path.Combine(Directory, Guid.NewGuid().ToString("N")[..8] + "-" + name);
        await VipsCli.RunAsync([.. arguments.Select(a => a == "{out}" ? output : a)]);
        return output;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
