using Scrapbook.Imaging.Tests.Support;
using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests;

public sealed class RenderingTests : IDisposable
{
    private readonly TempDirectory _dir = new("scrapbook-imaging");

    public void Dispose() => _dir.Dispose();

    private string Save(string name, byte[] content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    [Fact]
    public async Task ALandscapeJpegRendersTheThreeDefaultPresetsAsWebP()
    {
        var jpeg = await VipsCli.ConvertAsync(_dir.Path, Images.GradientPng(2400, 1600), "photo.jpg[Q=90]");
        var result = await Engine.Create().RenderAsync(Save("photo.jpg", jpeg), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 2400, 1600, 1, 1), result.Source);
        var byName = result.Renditions.ToDictionary(r => r.Name);
        Assert.Equal((1600, 1067), (byName["large"].Width, byName["large"].Height));
        Assert.Equal((640, 427), (byName["small"].Width, byName["small"].Height));
        Assert.Equal((256, 256), (byName["thumb"].Width, byName["thumb"].Height));
        foreach (var rendition in result.Renditions)
        {
            Assert.Equal("image/webp", rendition.ContentType);
            var decoded = Decoded.From(rendition.Content);
            Assert.Equal((rendition.Width, rendition.Height), (decoded.Width, decoded.Height));
        }
    }

    [Fact]
    public async Task SmallerPresetsAreDerivedWithoutEverLosingPixelsTheyNeed()
    {
        // The 800 crop needs more pixels than the 640 fit rendition has: it must come from the
        // intermediate, while the 200 crop and the 300 fit can come from the 640.
        RenditionPreset[] presets =
        [
            new("crop800", 800, 800, RenditionFit.SmartCrop),
            new("fit640", 640, 640, RenditionFit.Fit),
            new("crop200", 200, 200, RenditionFit.SmartCrop),
            new("fit300", 300, 300, RenditionFit.Fit),
            new("fit1600", 1600, 1600, RenditionFit.Fit),
        ];
        var jpeg = await VipsCli.ConvertAsync(_dir.Path, Images.GradientPng(2400, 1600), "photo.jpg[Q=90]");

        var result = await Engine.Create().RenderAsync(Save("photo.jpg", jpeg), presets, TestContext.Current.CancellationToken);

        Assert.Equal(
            ["crop800 800×800", "fit640 640×427", "crop200 200×200", "fit300 300×200", "fit1600 1600×1067"],
            result.Renditions.Select(r => $"{r.Name} {r.Width}×{r.Height}"));
        foreach (var rendition in result.Renditions)
        {
            var decoded = Decoded.From(rendition.Content);
            Assert.Equal((rendition.Width, rendition.Height), (decoded.Width, decoded.Height));
        }
    }

    [Theory]
    [InlineData(4000, 3000, 1, 1600, 1600)] // the large fit preset is the decode target
    [InlineData(10000, 500, 1, 5121, 257)] // a panorama: the square thumb needs the most pixels
    [InlineData(100, 80, 1, 100, 80)] // smaller than every preset: never upscaled
    [InlineData(3000, 4000, 6, 1600, 1600)] // quarter-turned: boxes are upright
    public void TheOneDecodeIsSizedForThePresetThatNeedsTheMostPixels(int width, int height, int orientation, int boxWidth, int boxHeight)
    {
        var info = new ImageInfo(ImageFormat.Jpeg, width, height, 1, orientation);
        var presets = new ImagingOptions().GetPresets();

        Assert.Equal((boxWidth, boxHeight), VipsImaging.IntermediateBox(info, presets));
    }

    [Theory]
    [InlineData(1.9, 1)]
    [InlineData(2.5, 2)]
    [InlineData(3.75, 2)]
    [InlineData(4, 4)]
    [InlineData(30, 8)]
    public void JpegsAreDecodedAtTheSmallestDctScaleThatStillCoversTheTarget(double shrink, int factor)
    {
        Assert.Equal(factor, VipsImaging.JpegShrinkFactor(shrink));
    }

    [Fact]
    public async Task PanoramaGetsAFullSquareThumbAndAFittedLarge()
    {
        var jpeg = await VipsCli.ConvertAsync(_dir.Path, Images.GradientPng(6000, 400), "pano.jpg[Q=90]");

        var result = await Engine.Create().RenderAsync(Save("pano.jpg", jpeg), cancellationToken: TestContext.Current.CancellationToken);

        var byName = result.Renditions.ToDictionary(r => r.Name);
        Assert.Equal((256, 256), (byName["thumb"].Width, byName["thumb"].Height));
        Assert.Equal((1600, 107), (byName["large"].Width, byName["large"].Height));
    }
}
