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
}
