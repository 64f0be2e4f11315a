using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Extension.Tests;

/// <summary>Setting the extension up: its options page, and what it may do before it is set up.</summary>
[Collection(nameof(ExtensionCollection))]
public sealed class OptionsPageTests
{
    private readonly ExtensionFixture _fixture;

    public OptionsPageTests(ExtensionFixture fixture)
    {
        _fixture = fixture;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task TheOptionsPageSavesTheServerGetsANewTokenAndChoosesAnAlbumFromTheList()
    {
        await using var browser = await _fixture.LaunchAsync();
        var options = await browser.Context.NewPageAsync();
        await options.GotoAsync(browser.PageUrl("options.html"));
        var getToken = options.GetByRole(AriaRole.Button, new() { Name = "Get a new token" });
        await Expect(getToken).ToBeDisabledAsync();

        await options.Locator("#server").FillAsync("ftp://files.example.org");
        await options.GetByRole(AriaRole.Button, new() { Name = "Save address" }).ClickAsync();
        await Expect(options.Locator("#server-status")).ToHaveTextAsync("The address must start with https:// (or http:// for a Scrapbook on your own network).");

        // What a person pastes from the address bar: only the origin is kept.
        await options.Locator("#server").FillAsync($"  {_fixture.ServerOrigin}/mine?from=extension ");
        await options.GetByRole(AriaRole.Button, new() { Name = "Save address" }).ClickAsync();
        await Expect(options.Locator("#server-status")).ToHaveTextAsync($"Saved: {_fixture.ServerOrigin}. Now sign in below.");
        await Expect(options.Locator("#server")).ToHaveValueAsync(_fixture.ServerOrigin);
        await Expect(getToken).ToBeEnabledAsync();
        await Expect(options.Locator("#album")).ToBeDisabledAsync();

        await getToken.ClickAsync();
        await Expect(options.Locator("#signin-status")).ToContainTextAsync("Signed in with a new token");
        await Expect(options.Locator("#album")).ToBeEnabledAsync();
        await Expect(options.Locator("#album-status")).ToHaveTextAsync("This scrapbook has no albums yet: saves go to your photos.");
        var settings = await browser.SettingsAsync();
        Assert.Equal(_fixture.ServerOrigin, settings.GetProperty("server").GetString());
        var token = settings.GetProperty("token").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        await Expect(options.Locator("#current-token")).ToHaveTextAsync("…" + token[^4..]);

        // Albums made elsewhere (the web client, another device) after the page was opened.
        var holidays = await _fixture.CreateAlbumAsync(token, SaveImageTests.Unique("Holidays"));
        var recipes = await _fixture.CreateAlbumAsync(token, SaveImageTests.Unique("Recipes"));
        await options.GetByRole(AriaRole.Button, new() { Name = "Reload albums" }).ClickAsync();
        await Expect(options.Locator("#album option")).ToHaveTextAsync(["No album", recipes.Title, holidays.Title]);
        await options.Locator("#album").SelectOptionAsync(new SelectOptionValue { Label = holidays.Title });
        await Expect(options.Locator("#album-status")).ToHaveTextAsync($"Saves go into “{holidays.Title}”.");

        settings = await browser.SettingsAsync();
        Assert.Equal(holidays.Id.ToString(), settings.GetProperty("albumId").GetString());
        Assert.Equal(holidays.Title, settings.GetProperty("albumTitle").GetString());

        // Opened again, the page shows what was chosen.
        await options.ReloadAsync();
        await Expect(options.Locator("#server")).ToHaveValueAsync(_fixture.ServerOrigin);
        await Expect(options.Locator("#album")).ToHaveValueAsync(holidays.Id.ToString());
    }

    [Fact]
    public async Task AMalformedTokenIsRefusedAndAPastedOneSharesThatOwnersAlbums()
    {
        var token = await _fixture.NewOwnerAsync();
        var album = await _fixture.CreateAlbumAsync(token, SaveImageTests.Unique("Shared scrapbook"));
        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token: "");
        var options = await browser.Context.NewPageAsync();
        await options.GotoAsync(browser.PageUrl("options.html"));

        await options.Locator("#token").FillAsync("not a token");
        await options.GetByRole(AriaRole.Button, new() { Name = "Use this token" }).ClickAsync();
        await Expect(options.Locator("#signin-status")).ToHaveTextAsync("That is not a Scrapbook token: it is at least 22 (usually 43) letters, digits, - and _.");
        Assert.Equal("", (await browser.SettingsAsync()).GetProperty("token").GetString());

        await options.Locator("#token").FillAsync(token);
        await options.GetByRole(AriaRole.Button, new() { Name = "Use this token" }).ClickAsync();
        await Expect(options.Locator("#signin-status")).ToHaveTextAsync("Signed in with your token.");
        await Expect(options.Locator("#album option")).ToHaveTextAsync(["No album", album.Title]);
        Assert.Equal(token, (await browser.SettingsAsync()).GetProperty("token").GetString());
    }

    [Fact]
    public async Task PairingWithACodeOpensTheOtherDevicesScrapbookAndAWrongCodeIsExplained()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var token = await _fixture.NewOwnerAsync();
        var album = await _fixture.CreateAlbumAsync(token, SaveImageTests.Unique("Paired scrapbook"));
        var code = (await Testing.ScrapbookClient.NewPairingCodeAsync(_fixture.Http, token, cancellationToken)).Code;
        await using var browser = await _fixture.LaunchAsync();
        await browser.ConfigureAsync(_fixture.ServerOrigin, token: "");
        var options = await browser.Context.NewPageAsync();
        await options.GotoAsync(browser.PageUrl("options.html"));

        await options.GetByLabel("Or pair with a code").FillAsync(code[..4] + "-2222" == code ? "ZZZZ-ZZZZ" : code[..4] + "-2222");
        await options.GetByRole(AriaRole.Button, new() { Name = "Pair", Exact = true }).ClickAsync();
        await Expect(options.Locator("#signin-status")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^That code does not work"));
        Assert.Equal("", (await browser.SettingsAsync()).GetProperty("token").GetString());

        await options.GetByLabel("Or pair with a code").FillAsync(code.ToLowerInvariant());
        await options.GetByRole(AriaRole.Button, new() { Name = "Pair", Exact = true }).ClickAsync();
        await Expect(options.Locator("#signin-status")).ToHaveTextAsync("Paired: saves go into the same scrapbook as your other device.");
        await Expect(options.Locator("#album option")).ToHaveTextAsync(["No album", album.Title]);
        var own = (await browser.SettingsAsync()).GetProperty("token").GetString();
        Assert.False(string.IsNullOrEmpty(own));
        Assert.NotEqual(token, own);
    }

    [Fact]
    public async Task TheExtensionAsShippedReachesNoSiteUntilAServerIsAllowedAndSendsNothingBeforeItIsSetUp()
    {
        await using var browser = await _fixture.LaunchAsync(ExtensionFixture.ExtensionSource);

        var permissions = JsonDocument.Parse(await browser.InServiceWorkerAsync<string>("async () => JSON.stringify(await chrome.permissions.getAll())")).RootElement;
        Assert.Empty(permissions.GetProperty("origins").EnumerateArray());
        Assert.Equal(["activeTab", "contextMenus", "scripting", "storage"], permissions.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()).Order());
        // The context menu item exists (updating an unknown id fails).
        Assert.True(await browser.InServiceWorkerAsync<bool>("async () => { await chrome.contextMenus.update('save-to-scrapbook', {}); return true; }"));

        var title = SaveImageTests.Unique("Before setting up");
        var imageUrl = _fixture.Site.AddFile($"/early/{Guid.NewGuid():N}.jpg", "image/jpeg", [0xFF, 0xD8, 0xFF]);
        var pageUrl = _fixture.Site.AddPage($"/early/{Guid.NewGuid():N}.html", title, $"<img src=\"{imageUrl.AbsolutePath}\" alt=\"\">");
        var page = await browser.Context.NewPageAsync();
        await page.GotoAsync(pageUrl.ToString());
        var optionsOpened = browser.Context.WaitForPageAsync(new() { Predicate = p => p.Url == browser.PageUrl("options.html") });

        var save = await browser.SaveImageAsync(page, imageUrl.ToString());

        Assert.Equal("failed", save.State);
        Assert.Equal("Scrapbook is not set up yet: choose your server and sign in in the options page.", save.Reason);
        await optionsOpened;
        var popup = await browser.OpenPopupAsync();
        await Expect(popup.Locator("#setup")).ToBeVisibleAsync();
        await Expect(popup.Locator($".save[data-key='{save.Key}'] .save-reason")).ToHaveTextAsync(save.Reason!);
        Assert.DoesNotMatch(new Regex("Scrapbook/"), string.Join(" ", _fixture.Site.Requests.Where(r => r.Path == imageUrl.AbsolutePath).Select(r => r.UserAgent)));
    }
}
