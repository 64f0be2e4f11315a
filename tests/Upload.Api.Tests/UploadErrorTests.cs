using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>Every refusal, with its status and ProblemDetails type; temp files never outlive a request.</summary>
[Collection(UploadApiCollection.Name)]
public sealed class UploadErrorTests(UploadApiFixture servers)
{
    private const int SmallLimit = 1024 * 1024;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UploadWithoutAnOwnerTokenIsRefusedWith401()
    {
        await using var api = servers.CreateUploadApi();
        using var client = api.CreateClient();

        using var raw = await client.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);
        using var url = await client.PostAsJsonAsync("/api/uploads/url", new { url = "https://example.com/a.jpg" }, Cancellation);

        await HttpAssert.ProblemAsync(raw, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await HttpAssert.ProblemAsync(url, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task UploadWithAMalformedBearerTokenIsRefusedWith401()
    {
        await using var api = servers.CreateUploadApi();
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", "short");

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task UploadDeclaringMoreThanTheLimitIsRefusedWith413()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Imaging:MaxBytes"] = $"{SmallLimit}" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(new byte[SmallLimit + 1], "image/png"), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task UploadStreamedPastTheLimitWithoutALengthIsRefusedWith413()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Imaging:MaxBytes"] = $"{SmallLimit}" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png(700, 700); // ~1.4 MB

        // No Content-Length: the limit can only be found by counting.
        using var content = new StreamContent(new NonSeekableStream(new MemoryStream(png)));
        content.Headers.ContentType = new("image/png");
        using var raw = await client.PostAsync("/api/uploads", content, Cancellation);
        using var multipart = await client.PostAsync("/api/uploads", Requests.Multipart(("big.png", png)), Cancellation);

        var problem = await HttpAssert.ProblemAsync(raw, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Contains("1 MB", problem.Detail, StringComparison.Ordinal);
        await HttpAssert.ProblemAsync(multipart, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task OverKestrelAChunkedUploadPastTheLimitGets413AndNothingIsKept()
    {
        await using var api = StartOverKestrel();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var sent = 0L;

        // 64 MB offered without a length. The server stops storing at the limit and answers 413 at once; Kestrel
        // drains the rest so that HttpClient, which reads the answer only after sending everything, still sees it.
        using var content = new StreamContent(new CountingZeroStream(64L * SmallLimit, read => Interlocked.Add(ref sent, read)));
        content.Headers.ContentType = new("image/png");
        using var response = await client.PostAsync("/api/uploads", content, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task OverKestrelAnUploadDeclaredTooLargeIsRefusedBeforeItsBodyIsSent()
    {
        await using var api = StartOverKestrel();
        using var owner = await api.CreateOwnerClientAsync(Cancellation);

        // A client that waits for "100 Continue" as long as it takes, so a slow machine cannot make it send early.
        using var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = owner.BaseAddress };
        client.DefaultRequestHeaders.Authorization = owner.DefaultRequestHeaders.Authorization;
        client.DefaultRequestHeaders.ExpectContinue = true;
        var sent = 0L;

        using var content = new StreamContent(new CountingZeroStream(64L * SmallLimit, read => Interlocked.Add(ref sent, read)));
        content.Headers.ContentType = new("image/png");
        content.Headers.ContentLength = 64L * SmallLimit;
        using var response = await client.PostAsync("/api/uploads", content, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Equal(0, Interlocked.Read(ref sent));
    }

    [Fact]
    public async Task OverKestrelAnUploadJustUnderTheLimitIsNotCutByKestrelsOwnBodyLimit()
    {
        // Kestrel's default request body limit is 30 MB; the 50 MB image limit must win. Scaled down here.
        await using var api = servers.CreateUploadApi();
        api.UseKestrel(kestrel =>
        {
            kestrel.Listen(System.Net.IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = SmallLimit / 2;
        });
        api.StartServer();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png(500, 500); // 750 KB, over Kestrel's limit as configured here

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task AnUploadAbandonedHalfwayLeavesNoTempFileBehind()
    {
        await using var api = servers.CreateUploadApi();
        api.UseKestrel(0);
        api.StartServer();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var abandon = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        var sawTempFile = false;
        using var content = new StreamContent(new CountingZeroStream(40L * SmallLimit, _ =>
        {
            // The client gives up once the server has started writing the body to disk.
            if (!sawTempFile && Directory.GetFiles(api.TempPath).Length > 0)
            {
                sawTempFile = true;
                abandon.Cancel();
            }
        }));
        content.Headers.ContentType = new("image/png");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PostAsync("/api/uploads", content, abandon.Token));
        Assert.True(sawTempFile);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Directory.GetFiles(api.TempPath).Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Cancellation);
        }

        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    public static TheoryData<string> NotImages => ["svg", "pdf", "random", "zip"];

    [Theory]
    [MemberData(nameof(NotImages))]
    public async Task NonImagesAreRefusedWith415WhateverTheyAreLabelled(string kind)
    {
        var bytes = kind switch
        {
            "svg" => TestImages.Svg(),
            "pdf" => TestImages.Pdf(),
            "zip" => TestImages.Zip(),
            _ => TestImages.RandomBytes(64 * 1024),
        };
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var raw = await client.PostAsync("/api/uploads", Requests.Raw(bytes, "image/jpeg"), Cancellation);
        using var multipart = await client.PostAsync("/api/uploads", Requests.Multipart(("photo.jpg", bytes)), Cancellation);

        await HttpAssert.ProblemAsync(raw, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);
        await HttpAssert.ProblemAsync(multipart, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(bytes), Cancellation));
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task TiffWhosePixelsAreJpeg2000IsRefusedWith415NamingTheCompressionNotAsDamaged()
    {
        var tiff = TiffFiles.WithCompression(await TestImages.NoiseAsync("tif", 300, 200, Cancellation), 34712);
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(tiff, "image/tiff"), Cancellation);

        var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);
        Assert.StartsWith("TIFF with JPEG 2000 compression (scheme 34712) is not supported", problem.Detail, StringComparison.Ordinal);
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(tiff), Cancellation));
    }

    [Fact]
    public async Task TruncatedJpegIsRefusedWith422()
    {
        var jpeg = await TestImages.JpegAsync(800, 600, Cancellation);
        var truncated = jpeg[..(jpeg.Length * 6 / 10)];
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(truncated), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.UndecodableImage);
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(truncated), Cancellation));
    }

    [Fact]
    public async Task PixelBombPngHeaderIsRefusedWith422()
    {
        var bomb = TestImages.PngBombHeader(100_000, 100_000);
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(bomb, "image/png"), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.TooManyPixels);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task AnOwnerPastTheirQuotaIsRefusedWithTheQuotaTypeAndKeepsWhatTheyHave()
    {
        var gallery = await servers.StartGalleryAsync(Cancellation, new Dictionary<string, string?> { ["Quota__MaxPhotosPerOwner"] = "1" });
        await using var api = servers.CreateUploadApi(gallery.BaseAddress);
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var other = await api.CreateOwnerClientAsync(Cancellation);

        using var first = await client.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(64, 48), "image/png"), Cancellation);
        using var second = await client.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(80, 60), "image/png"), Cancellation);
        using var otherOwners = await other.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(80, 60), "image/png"), Cancellation);
        using var asOwner = new HttpClient { BaseAddress = gallery.BaseAddress };
        asOwner.DefaultRequestHeaders.Authorization = client.DefaultRequestHeaders.Authorization;
        using var mine = await asOwner.GetAsync("/api/me/photos", Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await HttpAssert.ProblemAsync(second, HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        Assert.Equal(HttpStatusCode.Accepted, otherOwners.StatusCode);
        var page = await mine.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation);
        Assert.Single(page!.Items);
    }

    [Fact]
    public async Task UploadsClosedAreRefusedWith403BeforeTheBodyIsStored()
    {
        var gallery = await servers.StartGalleryAsync(Cancellation);
        await servers.SetUploadsOpenAsync(gallery, open: false, Cancellation);
        await using var api = servers.CreateUploadApi(gallery.BaseAddress);
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();

        using var raw = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        using var url = await client.PostAsJsonAsync("/api/uploads/url", new { url = "https://example.com/a.jpg" }, Cancellation);

        await HttpAssert.ProblemAsync(raw, HttpStatusCode.Forbidden, ProblemTypes.UploadsClosed);
        await HttpAssert.ProblemAsync(url, HttpStatusCode.Forbidden, ProblemTypes.UploadsClosed);
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));

        await servers.SetUploadsOpenAsync(gallery, open: true, Cancellation);
        using var reopened = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, reopened.StatusCode);
    }

    [Fact]
    public async Task GalleryDownIsA503WithRetryAfter()
    {
        await using var api = servers.CreateUploadApi(servers.DeadGallery);
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var raw = await client.PostAsync("/api/uploads", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);
        using var url = await client.PostAsJsonAsync("/api/uploads/url", new { url = "https://example.com/a.jpg" }, Cancellation);

        await HttpAssert.ProblemAsync(raw, HttpStatusCode.ServiceUnavailable, ProblemTypes.DependencyDown);
        await HttpAssert.ProblemAsync(url, HttpStatusCode.ServiceUnavailable, ProblemTypes.DependencyDown);
        Assert.Equal(TimeSpan.FromSeconds(5), raw.Headers.RetryAfter?.Delta);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Theory]
    [InlineData("http://127.0.0.1/")]
    [InlineData("http://0.0.0.0/")]
    [InlineData("http://[::1]/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0x7f.1/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.1/")]
    [InlineData("http://localhost/")]
    [InlineData("file:///etc/passwd")]
    public async Task UrlUploadOfAnInwardAddressIsRefusedWithUrlNotAllowed(string target)
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsJsonAsync("/api/uploads/url", new { url = target }, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.UrlNotAllowed);
    }

    [Fact]
    public async Task UrlUploadThatRedirectsToTheMetadataServiceIsRefusedAtTheSecondHop()
    {
        await using var server = LoopbackServer.Start(request => request.RedirectAsync("http://169.254.169.254/latest/meta-data/"));
        await using var api = servers.CreateUploadApi(settings: AllowLoopback);
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsJsonAsync("/api/uploads/url", new { url = server.Url("/photo.jpg") }, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.UrlNotAllowed);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task UrlUploadOfAMissingImageIsA502FetchFailure()
    {
        await using var server = LoopbackServer.Start(request => request.RespondAsync(404, body: []));
        await using var api = servers.CreateUploadApi(settings: AllowLoopback);
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsJsonAsync("/api/uploads/url", new { url = server.Url("/gone.jpg") }, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadGateway, ProblemTypes.UrlFetchFailed);
    }

    [Fact]
    public async Task UrlUploadOfAnEndlessBodyIsCutAtTheLimitWith413()
    {
        await using var server = LoopbackServer.Start(UrlFetcherTests.StreamForeverAsync);
        await using var api = servers.CreateUploadApi(settings: AllowLoopback);
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsJsonAsync("/api/uploads/url", new { url = server.Url("/forever") }, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Theory]
    [InlineData("{ \"url\": ")]
    [InlineData("{ \"url\": \"not a url\" }")]
    [InlineData("{ }")]
    public async Task UrlUploadWithABadBodyIsRefusedWith400(string json)
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads/url", new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
    }

    [Fact]
    public async Task MultipartWithoutAFileIsRefusedWith400()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var form = new MultipartFormDataContent { { new StringContent("hello"), "caption" } };

        using var response = await client.PostAsync("/api/uploads", form, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
    }

    [Fact]
    public async Task MultipartWithEndlessFieldsIsRefusedWith400()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var form = new MultipartFormDataContent();
        for (var i = 0; i < 1000; i++)
        {
            form.Add(new StringContent("x"), $"field{i}");
        }

        form.Add(new ByteArrayContent(TestImages.Png()), "file", "a.png");

        using var response = await client.PostAsync("/api/uploads", form, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
    }

    [Fact]
    public async Task MultipartWithMoreFilesThanAllowedIsRefusedWith400()
    {
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Uploads:MaxFilesPerRequest"] = "2" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync(
            "/api/uploads", Requests.Multipart(("a.png", TestImages.Png()), ("b.png", TestImages.Png()), ("c.png", TestImages.Png())), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    [Fact]
    public async Task ABodyThatIsNeitherMultipartNorAnImageIsRefusedWith415()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);

        using var response = await client.PostAsync("/api/uploads", new StringContent("hello"), Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemTypes.UnsupportedFormat);
    }

    [Fact]
    public async Task ACaptionLongerThanTheGalleryStoresIsRefusedWith400()
    {
        await using var api = servers.CreateUploadApi();
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        using var form = Requests.Multipart(("a.png", TestImages.Png()));
        form.Add(new StringContent(new string('x', 501)), "caption");

        using var response = await client.PostAsync("/api/uploads", form, Cancellation);

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        Assert.Empty(Directory.GetFiles(api.TempPath));
    }

    private UploadApiHost StartOverKestrel()
    {
        var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["Imaging:MaxBytes"] = $"{SmallLimit}" });
        api.UseKestrel(0);
        api.StartServer();
        return api;
    }

    private static Dictionary<string, string?> AllowLoopback => new() { ["UrlFetch:AllowLoopbackForTesting"] = "true" };
}

/// <summary>Zeros, <c>length</c> of them, reporting each read; never seekable, so HttpClient sends it chunked.</summary>
internal sealed class CountingZeroStream(long length, Action<int> onRead) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        Array.Clear(buffer, offset, n);
        _position += n;
        onRead(n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
