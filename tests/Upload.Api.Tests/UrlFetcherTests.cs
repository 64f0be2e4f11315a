using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scrapbook.Imaging;
using Scrapbook.Networking;
using Scrapbook.Testing;
using Scrapbook.Upload.Api.Tests.Support;
using Scrapbook.Upload.Api.Uploads;
using Scrapbook.Upload.Api.UrlFetch;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>The SSRF-guarded fetcher against real loopback servers.</summary>
public sealed class UrlFetcherTests : IDisposable
{
    private const long Cap = 4 * 1024 * 1024;
    private readonly TempDirectory _temp = new("url-fetcher-tests");

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://[::ffff:10.0.0.1]/")]
    [InlineData("http://[fd00::1]/")]
    [InlineData("http://0.0.0.0/")]
    public async Task RedirectFromAnAllowedLoopbackServerToABlockedAddressIsRefusedAtTheSecondHop(string target)
    {
        await using var server = LoopbackServer.Start(request => request.RedirectAsync(target));
        using var fetcher = CreateFetcher(allowLoopback: true);

        var refused = await Assert.ThrowsAsync<DestinationNotAllowedException>(() => fetcher.FetchAsync(server.Url("/photo.jpg"), _temp.Path, Cancellation));

        Assert.Equal(1, server.Requests);
        Assert.Contains("only public internet addresses", refused.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task RedirectToANameThatResolvesToLoopbackIsRefusedAtConnectTimeWhenLoopbackIsNotAllowed()
    {
        await using var server = LoopbackServer.Start(request => request.RespondAsync(200, body: TestImages.Png()));
        using var fetcher = CreateFetcher(allowLoopback: false);

        // "localhost" is a name, not a literal: only the connect-time check can see where it goes.
        var url = new Uri($"http://localhost:{server.BaseAddress.Port}/photo.png");
        var refused = await Assert.ThrowsAsync<DestinationNotAllowedException>(() => fetcher.FetchAsync(url, _temp.Path, Cancellation));

        Assert.Equal(0, server.Requests);
        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://0177.0.0.1/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://168.63.129.16/")]
    [InlineData("http://[fe80::1]/")]
    [InlineData("http://100.64.0.1/")]
    public async Task BlockedAddressesAreRefusedWithoutLoopbackAllowed(string url)
    {
        using var fetcher = CreateFetcher(allowLoopback: false);

        await Assert.ThrowsAsync<DestinationNotAllowedException>(() => fetcher.FetchAsync(new Uri(url), _temp.Path, Cancellation));
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("ftp://example.com/photo.jpg")]
    [InlineData("gopher://example.com/")]
    [InlineData("http://user:secret@example.com/photo.jpg")]
    public async Task SchemesOtherThanHttpAndCredentialsInTheUrlAreRefused(string url)
    {
        using var fetcher = CreateFetcher(allowLoopback: true);

        await Assert.ThrowsAsync<DestinationNotAllowedException>(() => fetcher.FetchAsync(new Uri(url), _temp.Path, Cancellation));
    }

    [Fact]
    public async Task EndlessBodyIsCutAtTheSizeCap()
    {
        await using var server = LoopbackServer.Start(StreamForeverAsync);
        using var fetcher = CreateFetcher(allowLoopback: true);

        var tooLarge = await Assert.ThrowsAsync<UploadTooLargeException>(() => fetcher.FetchAsync(server.Url("/forever"), _temp.Path, Cancellation));

        Assert.Equal(Cap, tooLarge.Limit);
        Assert.InRange(tooLarge.Actual, Cap + 1, Cap + (128 * 1024));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task DeclaredContentLengthOverTheCapIsRefusedBeforeTheBodyIsRead()
    {
        await using var server = LoopbackServer.Start(async request =>
        {
            await request.RespondAsync(200, new Dictionary<string, string> { ["Content-Length"] = $"{Cap + 1}" }, new byte[1024]);
            await Task.Delay(Timeout.Infinite, request.Aborted);
        });
        using var fetcher = CreateFetcher(allowLoopback: true);

        var tooLarge = await Assert.ThrowsAsync<UploadTooLargeException>(() => fetcher.FetchAsync(server.Url("/big"), _temp.Path, Cancellation));

        Assert.Equal(Cap + 1, tooLarge.Actual);
    }

    [Fact]
    public async Task ARedirectLoopFailsAfterTheRedirectLimit()
    {
        await using var server = LoopbackServer.Start(request => request.RedirectAsync("/again", 307));
        using var fetcher = CreateFetcher(allowLoopback: true);

        await Assert.ThrowsAsync<UrlFetchFailedException>(() => fetcher.FetchAsync(server.Url("/start"), _temp.Path, Cancellation));

        Assert.Equal(6, server.Requests);
    }

    [Fact]
    public async Task AServerThatStallsIsCutAtTheTimeCap()
    {
        await using var server = LoopbackServer.Start(async request =>
        {
            await request.RespondAsync(200, new Dictionary<string, string> { ["Content-Length"] = "1000" }, new byte[10]);
            await Task.Delay(Timeout.Infinite, request.Aborted);
        });
        using var fetcher = CreateFetcher(allowLoopback: true, timeout: TimeSpan.FromSeconds(1));

        var failed = await Assert.ThrowsAsync<UrlFetchFailedException>(() => fetcher.FetchAsync(server.Url("/slow"), _temp.Path, Cancellation));

        Assert.Contains("longer than", failed.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public async Task AnErrorStatusIsAFetchFailure()
    {
        await using var server = LoopbackServer.Start(request => request.RespondAsync(404, body: []));
        using var fetcher = CreateFetcher(allowLoopback: true);

        var failed = await Assert.ThrowsAsync<UrlFetchFailedException>(() => fetcher.FetchAsync(server.Url("/missing.jpg"), _temp.Path, Cancellation));

        Assert.Contains("404", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedirectWithinAllowedAddressesIsFollowedAndTheBodyHashed()
    {
        var png = TestImages.Png();
        await using var server = LoopbackServer.Start(request =>
            request.Path == "/moved" ? request.RedirectAsync("/photo.png", 301) : request.RespondAsync(200, body: png));
        using var fetcher = CreateFetcher(allowLoopback: true);

        using var file = await fetcher.FetchAsync(server.Url("/moved"), _temp.Path, Cancellation);

        Assert.Equal(png.Length, file.Length);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png)), file.Sha256);
        Assert.Equal(png, await File.ReadAllBytesAsync(file.Path, Cancellation));
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>A response without a length that never ends (read until the connection closes).</summary>
    internal static async Task StreamForeverAsync(LoopbackRequest request)
    {
        await request.RespondAsync(200, new Dictionary<string, string> { ["Content-Type"] = "image/png" });
        var chunk = new byte[64 * 1024];
        while (true)
        {
            await request.Connection.WriteAsync(chunk, request.Aborted);
        }
    }

    private static UrlFetcher CreateFetcher(bool allowLoopback, TimeSpan? timeout = null) => new(
        Options.Create(new UrlFetchOptions { AllowLoopbackForTesting = allowLoopback, Timeout = timeout ?? TimeSpan.FromSeconds(30) }),
        Options.Create(new ImagingOptions { MaxBytes = Cap }),
        NullLogger<UrlFetcher>.Instance);
}
