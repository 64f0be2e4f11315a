using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>Sharing an album by link: the share dialog on the album page, and the page the link opens on a phone.</summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task AnAlbumSharedByLinkOpensOnAPhoneWithItsPhotosAndStopsWorkingOnceTurnedOff()
    {
        await using var owner = await _web.NewContextAsync();
        var token = await SignInAsync(owner);
        var ownerWatch = new ConsoleWatch(owner);
        var prefix = WebFixture.Unique("Shared");
        var photos = new List<Guid>();
        for (var i = 1; i <= 2; i++)
        {
            photos.Add((await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} {i}", i * 120), $"{prefix} {i}", "Noor")).Id);
        }

        var album = await CreateAlbumThroughApiAsync(token, $"{prefix} <b>party</b>", "Saturday in the garden", photos);
        var page = await owner.NewPageAsync();
        await page.GotoAsync($"/albums/{album.Id}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { NameRegex = new Regex("^Share album") });
        await Expect(dialog.GetByText("No links yet.")).ToBeVisibleAsync();
        await dialog.GetByLabel("Link works").SelectOptionAsync(new SelectOptionValue { Label = "1 week" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Make a link" }).ClickAsync();
        var made = dialog.GetByLabel("The new link");
        await Expect(made).ToHaveValueAsync(new Regex("/s/[A-Za-z0-9_-]{43}$"));
        var url = await made.InputValueAsync();
        await Expect(dialog.Locator(".share-link[data-active='true']")).ToHaveCountAsync(1);
        await Expect(dialog.Locator(".share-link")).ToContainTextAsync("Works until");
        var copies = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "web-screenshots")).FullName;
        await ShootAsync(page, "share-dialog-desktop.png", copies);

        // Someone else, on a phone, with no session of their own.
        await using var friend = await _web.NewContextAsync(390, 844, phone: true);
        var friendWatch = new ConsoleWatch(friend);
        var shared = await friend.NewPageAsync();
        var response = await shared.GotoAsync(url);
        Assert.Equal(200, response!.Status);
        Assert.Equal("noindex, nofollow", await response.HeaderValueAsync("x-robots-tag"));
        await Expect(shared.GetByRole(AriaRole.Heading, new() { Name = $"{prefix} <b>party</b>", Level = 1 })).ToBeVisibleAsync();
        await Expect(shared.Locator(".shared-head .lede")).ToHaveTextAsync("Saturday in the garden");
        await Expect(shared.Locator(".shared-grid .tile")).ToHaveCountAsync(2);
        await Expect(shared.Locator(".shared-grid .tile img").First).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        Assert.Equal($"{prefix} <b>party</b>", await shared.Locator("meta[property='og:title']").GetAttributeAsync("content"));
        Assert.EndsWith(".webp", await shared.Locator("meta[property='og:image']").GetAttributeAsync("content"), StringComparison.Ordinal);
        var width = await shared.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the shared page is {width} px wide on a 390 px screen");
        await ShootAsync(shared, "shared-album-phone.png", copies);

        // The viewer opens from the grid, as on the wall.
        await shared.Locator(".shared-grid .tile-button").First.ClickAsync();
        await Expect(shared.GetByRole(AriaRole.Dialog, new() { Name = "Photo viewer" })).ToBeVisibleAsync();
        await shared.Keyboard.PressAsync("Escape");

        await dialog.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Turn off the link") }).ClickAsync();
        await Expect(dialog.Locator(".share-link[data-active='false']")).ToHaveCountAsync(1);
        await Expect(dialog.Locator(".share-link")).ToContainTextAsync("Turned off");

        var gone = await shared.GotoAsync(url);
        Assert.Equal(404, gone!.Status);
        await Expect(shared.GetByRole(AriaRole.Heading, new() { Name = "This link does not work" })).ToBeVisibleAsync();
        await Expect(shared.GetByText(prefix)).ToHaveCountAsync(0);
        await ShootAsync(shared, "shared-link-gone-phone.png", copies);
        Assert.Empty(ownerWatch.Errors);
        Assert.Empty(friendWatch.ErrorsExceptStatuses(404));
    }
}
