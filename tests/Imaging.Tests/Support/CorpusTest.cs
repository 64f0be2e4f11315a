using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Base for tests that write generated inputs to a temporary folder.</summary>
public abstract class CorpusTest : IDisposable
{
    private readonly TempDirectory _dir = new("scrapbook-imaging");

    protected string Directory => _dir.Path;

    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    protected string Save(string name, byte[] content)
    {
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    protected Task<byte[]> JpegAsync(byte[] png, int quality = 90) => VipsCli.ConvertAsync(_dir.Path, png, $"image.jpg[Q={quality}]");

    protected static async Task<ImageRejectedException> RejectedAsync(Func<Task> action) =>
        await Assert.ThrowsAsync<ImageRejectedException>(action);
}
