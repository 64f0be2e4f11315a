using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>The admin page's settings against changes it has not heard of.</summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task AnAdminPageThatMissedAChangeDoesNotUndoItWhenAnotherSettingIsSaved()
    {
        await using var admin = await _web.NewContextAsync();
        var page = await admin.NewPageAsync();
        // No events reach this page, as when a settings.changed is late or the stream is reconnecting.
        await page.RouteAsync("**/api/events*", route => route.AbortAsync());
        try
        {
            await SignInAsAdminAsync(page);
            await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Uploads open" })).ToBeCheckedAsync();

            // Another admin (here: the API) closes uploads; this page still shows them open.
            await _web.SetSettingsAsync(uploadsOpen: false, moderation: "off");
            await page.GetByLabel("Approve first").CheckAsync();
            await Expect(page.Locator(".toast").Last).ToContainTextAsync("moderation approve first");

            var settings = await _web.GetSettingsAsync();
            Assert.Equal((false, "pre"), (settings.UploadsOpen, settings.Moderation));
            await Expect(page.GetByRole(AriaRole.Switch, new() { Name = "Uploads open" })).Not.ToBeCheckedAsync();
        }
        finally
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
        }
    }
}
