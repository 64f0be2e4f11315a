using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>One scrapbook on two browsers: the Devices page pairs another browser by code, and revokes it.</summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task ABrowserPairedByCodeSeesTheSamePhotosUntilTheFirstRevokesIt()
    {
        await using var first = await _web.NewContextAsync();
        var token = await SignInAsync(first);
        var firstWatch = new ConsoleWatch(first);
        var caption = WebFixture.Unique("Paired");
        var photo = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync(caption, 40), caption, "Ada");

        var devices = await first.NewPageAsync();
        await devices.GotoAsync("/devices");
        await Expect(devices.Locator("nav a[aria-current='page']")).ToHaveTextAsync("Devices");
        await Expect(devices.Locator(".device")).ToHaveCountAsync(1);
        await devices.GetByRole(AriaRole.Button, new() { Name = "Pair a device" }).ClickAsync();
        var shown = devices.Locator(".pairing-code");
        await Expect(shown).ToHaveTextAsync(new Regex("^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"));
        var code = (await shown.TextContentAsync())!.Replace("-", "", StringComparison.Ordinal);
        await Expect(devices.Locator(".pairing-left")).ToHaveTextAsync(new Regex(@"^Works once, for [45]:\d\d more\.$"));
        await devices.WaitForFunctionAsync("() => { const qr = document.querySelector('.pairing-qr'); return qr?.complete && qr.naturalWidth > 0; }");

        // The second browser, a phone with no session of its own, follows the QR code's address.
        await using var second = await _web.NewContextAsync(390, 844, phone: true);
        var pair = await second.NewPageAsync();
        await pair.GotoAsync($"/pair?code={code}");
        await Expect(pair.GetByLabel("Pairing code")).ToHaveValueAsync(code);
        Assert.EndsWith("/pair", pair.Url, StringComparison.Ordinal);
        await pair.GetByLabel("Name this device (optional)").FillAsync("Noor's phone");
        await pair.GetByRole(AriaRole.Button, new() { Name = "Pair this device" }).ClickAsync();
        await Expect(pair.GetByText("Paired as “Noor's phone”.", new() { Exact = false })).ToBeVisibleAsync();
        Assert.DoesNotContain(await second.CookiesAsync(), cookie => cookie.Name == "sb_owner" && (!cookie.HttpOnly || cookie.Value == token));
        await pair.GetByRole(AriaRole.Link, new() { Name = "See my photos" }).ClickAsync();
        await Expect(pair.Locator($".card[data-photo-id='{photo.Id}']")).ToBeVisibleAsync();

        // The first browser's list picks the new device up while its code is shown.
        await Expect(devices.Locator(".device")).ToHaveCountAsync(2, new() { Timeout = 15_000 });
        await Expect(devices.Locator(".pairing")).ToBeHiddenAsync();
        await devices.GetByRole(AriaRole.Button, new() { Name = "Revoke Noor's phone" }).ClickAsync();
        await devices.GetByRole(AriaRole.Dialog, new() { Name = "Revoke Noor's phone?" }).GetByRole(AriaRole.Button, new() { Name = "Revoke", Exact = true }).ClickAsync();
        await Expect(devices.Locator(".device")).ToHaveCountAsync(1);

        // Revoked: the phone is given a new, empty scrapbook of its own (every service has dropped the old token within seconds).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            await pair.GotoAsync("/mine");
            await Expect(pair.Locator(".mine .empty, .mine .card").First).ToBeVisibleAsync();
            if (await pair.Locator($".card[data-photo-id='{photo.Id}']").CountAsync() == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "The revoked browser still sees the owner's photos.");
        }

        await Expect(pair.Locator(".mine .empty")).ToBeVisibleAsync();
        Assert.Empty(firstWatch.Errors);
    }
}
