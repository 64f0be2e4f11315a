using Microsoft.Playwright;
using Scrapbook.Testing;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>The Aspire dashboard, as a developer opens it from the link the AppHost prints.</summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task ThePhotosTracePageOnTheAspireDashboardShowsSpansOfAllFiveServices()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var token = await ScrapbookClient.NewOwnerTokenAsync(_web.Http, cancellation);
        var photo = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync(WebFixture.Unique("Traced"), 200), "traced", "Ada");
        var trace = await _web.System.WaitForPhotoTraceAsync(photo.Id, cancellation);

        await using var browser = await _web.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(_web.System.DashboardLoginUrl.ToString());
        await page.GotoAsync(new Uri(_web.System.DashboardUrl, $"/traces/detail/{trace.TraceId}").ToString());

        foreach (var service in ScrapbookApp.Services)
        {
            await Expect(page.GetByText(service, new PageGetByTextOptions { Exact = false }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("gateway: POST /api/uploads");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(WebFixture.ScreenshotDirectory, "dashboard-trace.png"), FullPage = true });
    }
}
