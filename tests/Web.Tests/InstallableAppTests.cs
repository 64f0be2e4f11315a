using System.Text.Json;
using Microsoft.Playwright;
using Scrapbook.Testing;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>
/// The web client as an installed app, in Chromium with a real profile: installable (Chromium's own check), its shell
/// offline from the service worker, and "Share → Scrapbook" (the manifest's share target) ending with the photos on the wall.
/// </summary>
public sealed class InstallableAppTests : IClassFixture<WebFixture>
{
    private const float ProcessingTimeout = 90_000;

    private readonly WebFixture _web;

    public InstallableAppTests(WebFixture web)
    {
        _web = web;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task ChromiumFindsTheWebAppInstallable()
    {
        using var profile = new TempDirectory("chromium-profile");
        await using var browser = await _web.LaunchPersistentAsync(profile.Path);
        var page = await ControlledPageAsync(browser);

        var cdp = await browser.NewCDPSessionAsync(page);
        var installability = await cdp.SendAsync("Page.getInstallabilityErrors");
        var manifest = await cdp.SendAsync("Page.getAppManifest");

        Assert.Equal("[]", installability!.Value.GetProperty("installabilityErrors").GetRawText());
        Assert.Equal("[]", manifest!.Value.GetProperty("errors").GetRawText());
        using var parsed = JsonDocument.Parse(manifest.Value.GetProperty("data").GetString()!);
        Assert.Equal("standalone", parsed.RootElement.GetProperty("display").GetString());
        Assert.Equal("/share-target", parsed.RootElement.GetProperty("share_target").GetProperty("action").GetString());
    }

    [Fact]
    public async Task OfflineTheServiceWorkerServesTheShellAndAnOfflinePage()
    {
        using var profile = new TempDirectory("chromium-profile");
        await using var browser = await _web.LaunchPersistentAsync(profile.Path, phone: true);
        var page = await ControlledPageAsync(browser);

        await browser.SetOfflineAsync(true);
        await page.GotoAsync("/upload");
        await Expect(page.Locator("#upload-title")).ToHaveTextAsync("Add photos");
        await page.GotoAsync("/somewhere-never-visited");
        await Expect(page.Locator("h1")).ToHaveTextAsync("You are offline");
        await browser.SetOfflineAsync(false);
    }

    [Fact]
    public async Task PhotosSharedToTheAppAreUploadedAndReachTheWallWhileOtherFilesAreLeftOutWithAMessage()
    {
        using var profile = new TempDirectory("chromium-profile");
        await using var browser = await _web.LaunchPersistentAsync(profile.Path, phone: true);
        var page = await ControlledPageAsync(browser);
        var caption = WebFixture.Unique("Shared from the gallery");

        await ShareAsync(page, caption,
            new FilePayload { Name = "first.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync(caption + " 1", 200) },
            new FilePayload { Name = "second.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync(caption + " 2", 260) },
            new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "not a photo"u8.ToArray() });

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/upload$"));
        await Expect(page.Locator(".notice")).ToHaveTextAsync("1 shared file was not a photo and was left out.");
        var items = page.Locator(".upload-item");
        await Expect(items).ToHaveCountAsync(2);
        for (var i = 0; i < 2; i++)
        {
            await Expect(items.Nth(i)).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
        }

        var wall = await browser.NewPageAsync();
        await wall.GotoAsync("/");
        await Expect(wall.Locator(".tile", new() { HasText = caption })).ToHaveCountAsync(2, new() { Timeout = ProcessingTimeout });
    }

    [Fact]
    public async Task AShareWithoutPhotosShowsAClearMessageAndNothingIsSent()
    {
        using var profile = new TempDirectory("chromium-profile");
        await using var browser = await _web.LaunchPersistentAsync(profile.Path, phone: true);
        var page = await ControlledPageAsync(browser);

        await ShareAsync(page, "just a link", new FilePayload { Name = "page.html", MimeType = "text/html", Buffer = "<p>hi</p>"u8.ToArray() });

        await Expect(page.Locator(".notice")).ToHaveTextAsync("Nothing to upload: the shared file is not a photo.");
        await Expect(page.Locator(".upload-item")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AShareThatReachesTheGatewayWithoutTheServiceWorkerEndsOnTheUploadPageSayingWhy()
    {
        // No service worker may answer: this context blocks them, as for a browser where the app never ran.
        await using var context = await _web.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _web.System.GatewayUrl.ToString().TrimEnd('/'),
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/mine");
        await ShareAsync(page, "", new FilePayload { Name = "photo.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync("never sent", 10) });

        await Expect(page.Locator(".notice")).ToHaveTextAsync("Sharing to Scrapbook needs it opened once in this browser: open it, then share again.");
    }

    /// <summary>The home page, once the service worker controls it (installed, activated, claimed).</summary>
    private static async Task<IPage> ControlledPageAsync(IBrowserContext browser)
    {
        var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        await page.GotoAsync("/");
        await page.WaitForFunctionAsync("() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined", null, new() { Timeout = 30_000 });
        return page;
    }

    /// <summary>What a phone's share sheet sends: a cross-site-style multipart POST navigation to the share target.</summary>
    private static async Task ShareAsync(IPage page, string text, params FilePayload[] files)
    {
        await page.EvaluateAsync(
            """
            (text) => {
              const form = document.createElement('form');
              form.method = 'post';
              form.enctype = 'multipart/form-data';
              form.action = '/share-target';
              form.id = 'share-sheet';
              const input = Object.assign(document.createElement('input'), { type: 'file', name: 'file', multiple: true, id: 'share-files' });
              const words = Object.assign(document.createElement('input'), { type: 'hidden', name: 'text', value: text });
              form.append(input, words);
              document.body.append(form);
            }
            """, text);
        await page.SetInputFilesAsync("#share-files", files);
        await page.EvaluateAsync("() => document.getElementById('share-sheet').submit()");
    }
}
