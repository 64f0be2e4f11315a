using Scrapbook.Imaging.Tests.Support;

namespace Scrapbook.Imaging.Tests;

public sealed class OrientationAndMetadataTests : CorpusTest
{
    private const int UprightWidth = 600;
    private const int UprightHeight = 400;

    private readonly VipsImaging _engine = Engine.Create();

    /// <summary>
    /// A JPEG stored so that EXIF orientation <paramref name="orientation"/> shows it 600×400 with a
    /// red block top-left; stored quarter-turned (400×600) for orientations 5–8.
    /// </summary>
    private async Task<string> OrientedJpegAsync(int orientation)
    {
        var quarter = orientation >= 5;
        var (width, height) = quarter ? (UprightHeight, UprightWidth) : (UprightWidth, UprightHeight);
        var png = PngWriter.Write(width, height, PngWriter.Rgb, 8, (x, y) =>
        {
            var (dx, dy) = Images.Displayed(orientation, x, y, width, height);
            return Images.Marker(dx, dy, UprightWidth, UprightHeight);
        });
        var jpeg = JpegSegments.Insert(await JpegAsync(png), JpegSegments.Exif(orientation));
        return Save($"orientation-{orientation}.jpg", jpeg);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public async Task EveryExifOrientationRendersUprightWithTheMarkerTopLeft(int orientation)
    {
        var path = await OrientedJpegAsync(orientation);

        var info = await _engine.ProbeAsync(path, Cancellation);
        var result = await _engine.RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal(orientation, info.Orientation);
        Assert.Equal((UprightWidth, UprightHeight), (info.UprightWidth, info.UprightHeight));
        foreach (var rendition in result.Renditions.Where(r => r.Name != "thumb"))
        {
            var decoded = Decoded.From(rendition.Content);
            Assert.True(decoded.Width > decoded.Height, $"{rendition.Name} is {decoded.Width}×{decoded.Height}");
            Assert.True(decoded.IsReddish(5, 5), $"{rendition.Name} top-left is {decoded.Rgb(5, 5)}");
            Assert.False(decoded.IsReddish(decoded.Width - 5, 5), $"{rendition.Name} top-right is red");
            Assert.False(decoded.IsReddish(5, decoded.Height - 5), $"{rendition.Name} bottom-left is red");
        }
    }

    [Theory]
    [InlineData(OutputFormat.WebP)]
    [InlineData(OutputFormat.Jpeg)]
    [InlineData(OutputFormat.Avif)]
    public async Task GpsExifAndXmpNeverReachARendition(OutputFormat format)
    {
        var jpeg = JpegSegments.Insert(await JpegAsync(Images.GradientPng(1000, 700)), JpegSegments.Exif(1, gps: true), JpegSegments.Xmp());
        var path = Save("located.jpg", jpeg);
        Assert.True(Metadata.Contains(jpeg, JpegSegments.CameraMake) && Metadata.Contains(jpeg, JpegSegments.XmpSecret));

        var result = await Engine.Create(o => o.Format = format).RenderAsync(path, cancellationToken: Cancellation);

        Assert.Equal(3, result.Renditions.Count);
        foreach (var rendition in result.Renditions)
        {
            if (format == OutputFormat.Avif)
            {
                // HEIF keeps EXIF and XMP as items of type "Exif" and "mime".
                Assert.False(Metadata.Contains(rendition.Content.Span, "Exif"), $"{rendition.Name} has an Exif item");
                Assert.False(Metadata.Contains(rendition.Content.Span, "application/rdf+xml"), $"{rendition.Name} has an XMP item");
            }
            else
            {
                var containers = Metadata.Containers(rendition.Content.Span);
                Assert.DoesNotContain(containers, c => c is "EXIF" or "XMP " or "ICCP" or "VP8X:metadata-flags" or "APP1:Exif" or "APP1:XMP" or "APP2:ICC" or "APP13:IPTC");
            }

            Assert.False(Metadata.Contains(rendition.Content.Span, JpegSegments.CameraMake), $"{rendition.Name} carries the camera make");
            Assert.False(Metadata.Contains(rendition.Content.Span, JpegSegments.XmpSecret), $"{rendition.Name} carries the XMP");
        }
    }
}
