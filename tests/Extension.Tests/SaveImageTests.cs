using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Extension.Tests;

[CollectionDefinition(nameof(ExtensionCollection))]
public sealed class ExtensionCollection : ICollectionFixture<ExtensionFixture>;

/// <summary>"Save to Scrapbook" on images of a web site, against the whole system, in Chromium with the extension loaded.</summary>
[Collection(nameof(ExtensionCollection))]
public sealed class SaveImageTests
{
    /// <summary>Processing runs through a queue and a worker on a shared, loaded machine: generous but bounded.</summary>
    private const float ProcessingTimeout = 90_000;

    private readonly ExtensionFixture _fixture;

    public SaveImageTests(ExtensionFixture fixture)
    {
        _fixture = fixture;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task AnImageSavedByItsAddressLandsInTheChosenAlbumReadyOnTheWallWithItsPageAsSource()
    {
        var token = await _fixture.NewOwnerAsync();
        var album = await _fixture.CreateAlbumAsync(token, Unique("Harbour walks"));
        var title = Unique("A walk along the harbour");
        var imageUrl = _fixture.Site.AddFile($"/photos/{Slug(title)}.jpg", "image/jpeg", await JpegAsync(640, 480));
        var pageUrl = _fixture.Site.AddPage($"/{Slug(title)}.html", title, $"<img src=\"{imageUrl.AbsolutePath}\" alt=\"\">");

        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token, album.Id.ToString(), album.Title);
        var popup = await browser.OpenPopupAsync();
        await Expect(popup.Locator("#live")).ToHaveTextAsync("Live");
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl.ToString());

        var save = await browser.SaveImageAsync(page, imageUrl.ToString());

        Assert.Equal("url", save.Via);
        Assert.Null(save.Reason);
        Assert.NotNull(save.Id);
        Assert.Contains(_fixture.Site.Requests, r => r.Path == imageUrl.AbsolutePath && r.UserAgent.StartsWith("Scrapbook/", StringComparison.Ordinal) && r.Status == 200);

        // The popup, open all along, follows the photo to ready through the events stream.
        var item = popup.Locator($".save[data-photo-id='{save.Id}']");
        await Expect(item).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
        await Expect(item.Locator(".save-state")).ToHaveTextAsync($"Saved to “{album.Title}”");
        await Expect(item.Locator(".save-title")).ToHaveTextAsync(title);
        await Expect(item.Locator("img.thumb")).ToHaveAttributeAsync("src", new Regex("^" + Regex.Escape(_fixture.ServerOrigin) + "/media/renditions/.+/thumb\\."));
        // Loading takes a moment after the address is set: wait for the image to finish (loaded or broken), then tell which.
        await Expect(item.Locator("img.thumb")).ToHaveJSPropertyAsync("complete", true);
        Assert.True(await item.Locator("img.thumb").EvaluateAsync<bool>("(img) => img.naturalWidth > 0"), "the thumbnail did not load");

        var photo = await _fixture.GetAsync($"/api/photos/{save.Id}", token, ContractsJsonContext.Default.PhotoDto);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        Assert.Equal(new PhotoSource(pageUrl.ToString(), title), photo.Source);
        Assert.Null(photo.Caption);
        var inAlbum = await _fixture.GetAsync($"/api/albums/{album.Id}/photos", token, ContractsJsonContext.Default.PhotoPage);
        Assert.Contains(inAlbum.Items, p => p.Id == photo.Id);
        var wall = await _fixture.GetAsync("/api/photos?limit=100", token: null, ContractsJsonContext.Default.PhotoPage);
        Assert.Contains(wall.Items, p => p.Id == photo.Id);
    }

    [Fact]
    public async Task AnImageInADataUrlIsReadFromThePageAndUploadedAsBytesNeverAsItsAddress()
    {
        var token = await _fixture.NewOwnerAsync();
        var title = Unique("A drawing inline");
        var png = await PngAsync(96, 64);
        var dataUrl = "data:image/png;base64," + Convert.ToBase64String(png);
        var pageUrl = _fixture.Site.AddPage($"/{Slug(title)}.html", title, $"<img src=\"{dataUrl}\" alt=\"\">");

        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token);
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl.ToString());

        // Reading a page takes the person's click: the extension holds no access to the sites it saves from.
        var withoutClick = await browser.SaveImageAsync(page, dataUrl, granted: false);
        Assert.Equal(("failed", "bytes"), (withoutClick.State, withoutClick.Via));
        Assert.Equal("The image could not be read from this page: the browser does not let extensions read it.", withoutClick.Reason);

        var save = await browser.SaveImageAsync(page, dataUrl);

        Assert.Equal("bytes", save.Via);
        Assert.Null(save.ImageUrl);
        Assert.Null(save.Reason);
        var photo = await _fixture.WaitUntilProcessedAsync(token, save.Id!);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        Assert.Equal((96, 64), (photo.Width, photo.Height));
        Assert.Equal(new PhotoSource(pageUrl.ToString(), title), photo.Source);
        // Exactly the page's bytes, not a redrawing of them.
        var mine = await _fixture.GetAsync($"/api/me/photos?sha256={Sha256(png)}", token, ContractsJsonContext.Default.PhotoPage);
        Assert.Equal(photo.Id, Assert.Single(mine.Items).Id);
    }

    [Fact]
    public async Task AnImageTheServerCannotFetchIsReadFromThePageWithItsCookiesAndUploadedAsBytes()
    {
        var token = await _fixture.NewOwnerAsync();
        var album = await _fixture.CreateAlbumAsync(token, Unique("Members"));
        var title = Unique("Members only gallery");
        var jpeg = await JpegAsync(480, 360);
        var imageUrl = _fixture.Site.AddFile($"/members/{Slug(title)}.jpg", "image/jpeg", jpeg, visitorsOnly: true);
        var pageUrl = _fixture.Site.AddPage($"/{Slug(title)}.html", title, $"<img src=\"{imageUrl.AbsolutePath}\" alt=\"\">");

        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token, album.Id.ToString(), album.Title);
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl.ToString());
        Assert.True(await page.Locator("img").EvaluateAsync<bool>("(img) => img.complete && img.naturalWidth === 480"), "the page's image did not load");

        var save = await browser.SaveImageAsync(page, imageUrl.ToString());

        // The server tried first and was turned away; then the page handed the bytes over.
        Assert.Contains(_fixture.Site.Requests, r => r.Path == imageUrl.AbsolutePath && r.UserAgent.StartsWith("Scrapbook/", StringComparison.Ordinal) && r.Status == 403);
        Assert.Equal("bytes", save.Via);
        Assert.Equal(imageUrl.ToString(), save.ImageUrl);
        Assert.Null(save.Reason);
        var photo = await _fixture.WaitUntilProcessedAsync(token, save.Id!);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        Assert.Equal(new PhotoSource(pageUrl.ToString(), title), photo.Source);
        var mine = await _fixture.GetAsync($"/api/me/photos?sha256={Sha256(jpeg)}", token, ContractsJsonContext.Default.PhotoPage);
        Assert.Equal(photo.Id, Assert.Single(mine.Items).Id);
        var inAlbum = await _fixture.GetAsync($"/api/albums/{album.Id}/photos", token, ContractsJsonContext.Default.PhotoPage);
        Assert.Contains(inAlbum.Items, p => p.Id == photo.Id);
    }

    [Fact]
    public async Task AnImageOnAPrivateNetworkWhichTheServerMayNotFetchIsReadFromThePage()
    {
        var token = await _fixture.NewOwnerAsync();
        var jpeg = await JpegAsync(400, 300);
        var title = Unique("Router");
        const string pageUrl = "http://10.20.30.40/status.html";
        const string imageUrl = "http://10.20.30.40/camera/snapshot.jpg";

        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token);
        // A device on the home network, as the browser reaches it (Upload.Api must not, whatever it is allowed on loopback).
        await browser.Context.RouteAsync("http://10.20.30.40/**", route => route.Request.Url == imageUrl
            ? route.FulfillAsync(new() { Status = 200, ContentType = "image/jpeg", BodyBytes = jpeg })
            : route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = $"<!doctype html><title>{title}</title><img src=\"/camera/snapshot.jpg\" alt=\"\">" }));
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl);
        Assert.True(await page.Locator("img").EvaluateAsync<bool>("(img) => img.complete && img.naturalWidth === 400"), "the page's image did not load");

        var save = await browser.SaveImageAsync(page, imageUrl);

        Assert.Equal(("bytes", (string?)null), (save.Via, save.Reason));
        var photo = await _fixture.WaitUntilProcessedAsync(token, save.Id!);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        Assert.Equal(new PhotoSource(pageUrl, title), photo.Source);
        var mine = await _fixture.GetAsync($"/api/me/photos?sha256={Sha256(jpeg)}", token, ContractsJsonContext.Default.PhotoPage);
        Assert.Equal(photo.Id, Assert.Single(mine.Items).Id);
    }

    [Fact]
    public async Task ImagesTheServerRefusesAreNotSavedAndThePopupSaysWhy()
    {
        var token = await _fixture.NewOwnerAsync();
        var title = Unique("Notes and a router");
        var notAnImage = _fixture.Site.AddFile($"/files/{Slug(title)}.png", "image/png", "These are my notes, not a picture."u8.ToArray());
        const string privateAddress = "http://10.20.30.40/camera/snapshot.jpg";
        var pageUrl = _fixture.Site.AddPage($"/{Slug(title)}.html", title, $"<img src=\"{notAnImage.AbsolutePath}\" alt=\"\">");

        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token);
        // Nothing answers there for the browser either: the page cannot hand the image over.
        await browser.Context.RouteAsync("http://10.20.30.40/**", route => route.AbortAsync("addressunreachable"));
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl.ToString());

        var notImage = await browser.SaveImageAsync(page, notAnImage.ToString());
        var onPrivateNetwork = await browser.SaveImageAsync(page, privateAddress);

        Assert.Equal(("failed", "url", (string?)null), (notImage.State, notImage.Via, notImage.Id));
        Assert.Equal(("failed", "bytes", (string?)null), (onPrivateNetwork.State, onPrivateNetwork.Via, onPrivateNetwork.Id));
        var popup = await browser.OpenPopupAsync();
        var first = popup.Locator($".save[data-key='{notImage.Key}']");
        await Expect(first).ToHaveAttributeAsync("data-state", "failed");
        await Expect(first.Locator(".save-title")).ToHaveTextAsync(title);
        await Expect(first.Locator(".save-state")).ToHaveTextAsync("Not saved");
        await Expect(first.Locator(".save-reason")).ToHaveTextAsync(
            "This is not an image Scrapbook takes. It accepts JPEG, PNG, WebP, GIF, HEIC, AVIF, TIFF and BMP.");
        var second = popup.Locator($".save[data-key='{onPrivateNetwork.Key}']");
        await Expect(second.Locator(".save-state")).ToHaveTextAsync("Not saved");
        await Expect(second.Locator(".save-reason")).ToHaveTextAsync(
            "Scrapbook only fetches images from public web addresses and this one is not public, and the image could not be read from the page: its site does not allow it.");
        // Newest first.
        await Expect(popup.Locator(".save").First).ToHaveAttributeAsync("data-key", onPrivateNetwork.Key);
    }

    internal static string Unique(string prefix) =>
        prefix + " " + Guid.NewGuid().ToString("N")[..6].ToUpper(CultureInfo.InvariantCulture);

    private static string Slug(string text) => Regex.Replace(text.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>A noise JPEG (so every one is new to the server, which answers a repeated upload with the photo it has).</summary>
    private static async Task<byte[]> JpegAsync(int width, int height)
    {
        using var folder = new TempDirectory("extension-image");
        return await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "photo.jpg"), width, height, TestContext.Current.CancellationToken);
    }

    private static async Task<byte[]> PngAsync(int width, int height)
    {
        using var folder = new TempDirectory("extension-image");
        var path = Path.Combine(folder.Path, "drawing.png");
        await Tool.RunAsync("vips", ["gaussnoise", path, width.ToString(CultureInfo.InvariantCulture), height.ToString(CultureInfo.InvariantCulture)],
            cancellationToken: TestContext.Current.CancellationToken);
        return await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
    }
}
