using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>
/// The admin page's webhooks against real receivers on 127.0.0.1, and its moderation modes: what an admin registers
/// there is signed and delivered, and the delivery log shows it.
/// </summary>
public sealed partial class WebClientTests
{
    private static readonly TimeSpan s_deliveryDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public Task AWebhookRegisteredOnTheAdminPageGetsASignedPhotoReadyWhoseDeliveryTheLogShows() => OnAdminPageWithReceiverAsync(async (receiver, url, page) =>
    {
        var hook = await RegisterWebhookAsync(page, url, "Party screen", "photo.ready");
        await Expect(hook.GetByText("Copy it now: you will not see this again.")).ToBeVisibleAsync();
        await Expect(hook.GetByRole(AriaRole.Button, new() { Name = "Copy the signing secret" })).ToBeVisibleAsync();
        var secret = await SecretField(hook).InputValueAsync();
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        await Expect(hook.Locator(".event-chips li")).ToHaveTextAsync(["photo.ready"]);
        await Expect(hook.Locator(".pill").First).ToHaveTextAsync("On");

        var photo = await _web.System.UploadNewPhotoAsync("webhook.jpg", TestContext.Current.CancellationToken);
        var message = await receiver.WaitForAsync(m => m.Type == "photo.ready" && m.DataId == photo.Id, s_deliveryDeadline, TestContext.Current.CancellationToken);
        Assert.True(message.VerifiesWith(secret), "the message does not verify with the secret the page showed");

        var row = await DeliveryRowAsync(hook, message.Id!, "delivered");
        await Expect(row.Locator("td[data-label='Event']")).ToHaveTextAsync("photo.ready");
        await Expect(row.Locator("td[data-label='Message id']")).ToHaveTextAsync(message.Id!);
        await Expect(row.Locator("td[data-label='Status']")).ToHaveTextAsync("200");
        await Expect(row.Locator("td[data-label='Attempt']")).ToHaveTextAsync("1");
        await Expect(row.Locator("td[data-label='Latency']")).ToHaveTextAsync(WholeMilliseconds());
        await row.GetByText("Show").ClickAsync();
        await Expect(row.Locator(".log-excerpt")).ToHaveTextAsync("answered 200");
        await hook.EvaluateAsync("element => element.scrollIntoView()");
        await ShootAsync(page, "admin-webhook-desktop.png", ScreenshotCopies());
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "admin-webhook-full-desktop.png"), FullPage = true });

        // The same endpoint on a phone: the log's rows become cards.
        await using var phone = await _web.NewContextAsync(390, 844, phone: true);
        var phonePage = await phone.NewPageAsync();
        await SignInAsAdminAsync(phonePage);
        var phoneHook = WebhookEntry(phonePage, url);
        await Expect(phoneHook.Locator($"tr[data-message-id='{message.Id}']")).ToBeVisibleAsync();
        await phoneHook.EvaluateAsync("element => element.scrollIntoView()");
        await ShootAsync(phonePage, "admin-webhook-phone.png", ScreenshotCopies());
        await phonePage.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "admin-webhook-full-phone.png"), FullPage = true });
        var overflow = await phonePage.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        Assert.True(overflow <= 0, $"the admin page is {overflow} px wider than a phone's screen");

        // Shown once: another visit has no secret to show.
        await page.ReloadAsync();
        await Expect(WebhookEntry(page, url)).ToBeVisibleAsync();
        await Expect(SecretField(WebhookEntry(page, url))).ToHaveCountAsync(0);
    });

    [Fact]
    public Task SendTestEventOnTheAdminPageShowsAWebhookTestAttemptInTheLogAndTheEndpointCanBeRotatedTurnedOffAndDeleted() => OnAdminPageWithReceiverAsync(async (receiver, url, page) =>
    {
        var hook = await RegisterWebhookAsync(page, url, null, "album.*");
        await Expect(hook.Locator(".event-chips li")).ToHaveTextAsync(["album.*"]);
        var secret = await SecretField(hook).InputValueAsync();

        // The page follows the log by itself until the test message's attempt shows.
        await hook.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        var message = await receiver.WaitForAsync(m => m.Type == WebhookEventTypes.Test, s_deliveryDeadline, TestContext.Current.CancellationToken);
        Assert.True(message.VerifiesWith(secret));
        var row = hook.Locator($".log-table tr[data-message-id='{message.Id}']");
        await Expect(row).ToHaveAttributeAsync("data-state", "delivered");
        await Expect(row.Locator("td[data-label='Event']")).ToHaveTextAsync(WebhookEventTypes.Test);
        await Expect(row.Locator("td[data-label='Status']")).ToHaveTextAsync("200");
        await Expect(hook.GetByRole(AriaRole.Status).Filter(new() { HasText = "Test event" })).ToHaveTextAsync("Test event delivered.");

        // A new secret, shown once; the old one keeps signing for the overlap, which the entry says.
        await hook.GetByRole(AriaRole.Button, new() { Name = "Rotate secret" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Rotate this secret?" }).GetByRole(AriaRole.Button, new() { Name = "Rotate", Exact = true }).ClickAsync();
        await Expect(SecretField(hook)).Not.ToHaveValueAsync(secret);
        Assert.StartsWith("whsec_", await SecretField(hook).InputValueAsync(), StringComparison.Ordinal);
        await Expect(hook.Locator(".webhook-previous")).ToContainTextAsync("The previous secret still signs too, until");

        await hook.GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
        await Expect(hook).ToHaveAttributeAsync("data-enabled", "false");
        await Expect(hook.Locator(".webhook-disabled")).ToContainTextAsync("Deliveries are off");
        Assert.False((await ListWebhooksThroughApiAsync()).Single(w => w.Url == url).Enabled);
        await hook.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Expect(hook).ToHaveAttributeAsync("data-enabled", "true");
        await Expect(hook.Locator(".webhook-disabled")).ToBeHiddenAsync();

        await hook.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog, new() { Name = "Delete this webhook?" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(hook).ToHaveCountAsync(0);
        Assert.DoesNotContain(await ListWebhooksThroughApiAsync(), w => w.Url == url);
    });

    [Fact]
    public async Task AWebhookToANonPublicAddressIsRefusedOnTheAdminPageWithTheServersReasonAndNothingIsRegistered()
    {
        const string url = "http://10.0.0.1/hook";
        // On a phone, where an admin may well be when setting this up.
        await using var admin = await _web.NewContextAsync(390, 844, phone: true);
        var watch = new ConsoleWatch(admin);
        var page = await admin.NewPageAsync();
        try
        {
            await SignInAsAdminAsync(page);
            var form = page.GetByRole(AriaRole.Form, new() { Name = "Register an endpoint" });
            await form.GetByLabel("Endpoint URL").FillAsync(url);
            await form.GetByLabel("photo.ready").CheckAsync();
            await form.GetByRole(AriaRole.Button, new() { Name = "Register webhook" }).ClickAsync();

            var refusal = form.GetByRole(AriaRole.Alert).Filter(new() { HasText = "only public internet addresses are allowed" });
            await Expect(refusal).ToContainTextAsync("10.0.0.1");
            await Expect(refusal).ToBeInViewportAsync();
            await Expect(form.GetByLabel("Endpoint URL")).ToHaveAccessibleDescriptionAsync(new Regex("only public internet addresses are allowed"));
            await Expect(form.GetByLabel("Endpoint URL")).ToHaveAttributeAsync("aria-invalid", "true");
            await Expect(form.GetByLabel("Endpoint URL")).ToBeFocusedAsync();
            await Expect(page.Locator(".webhook")).ToHaveCountAsync(0);
            Assert.DoesNotContain(await ListWebhooksThroughApiAsync(), w => w.Url == url);
            await ShootAsync(page, "admin-webhook-refused-phone.png", ScreenshotCopies());
        }
        finally
        {
            await DeleteWebhooksThroughApiAsync(url);
        }

        Assert.Empty(watch.ErrorsExceptStatuses(400));
    }

    [Fact]
    public async Task AutomaticModerationChosenOnTheAdminPageIsKeptAndOffPutsItBack()
    {
        await using var admin = await _web.NewContextAsync();
        var watch = new ConsoleWatch(admin);
        var page = await admin.NewPageAsync();
        try
        {
            await SignInAsAdminAsync(page);
            await page.GetByLabel("Automatic (classifier)").CheckAsync();
            await Expect(page.Locator(".toast").Last).ToContainTextAsync("moderation automatic");
            Assert.Equal("auto", (await _web.GetSettingsAsync()).Moderation);

            await page.ReloadAsync();
            await Expect(page.GetByLabel("Automatic (classifier)")).ToBeCheckedAsync();

            await page.GetByRole(AriaRole.Radio, new() { NameRegex = StartsWithWord("Off") }).CheckAsync();
            await Expect(page.Locator(".toast").Last).ToContainTextAsync("moderation off");
            Assert.Equal("off", (await _web.GetSettingsAsync()).Moderation);
        }
        finally
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
        }

        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task TheAdminQueueShowsTheClassifiersVerdictLabelsAndNoteAsTextEvenWhenTheyLookLikeMarkup()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var admin = await _web.NewContextAsync();
        var watch = new ConsoleWatch(admin);
        var page = await admin.NewPageAsync();
        try
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "pre");
            var photo = await _web.System.UploadNewPhotoAsync("held.jpg", cancellationToken);
            const string hostile = "<img src=x onerror=\"window.__injected=true\">";

            // The verdict as Gallery.Api hands it out for a photo the classifier held, with a label and a note no page should interpret.
            await page.RouteAsync(ModerationQueueAddress(), async route =>
            {
                var response = await route.FetchAsync();
                var body = JsonNode.Parse(await response.TextAsync())!;
                foreach (var item in body["items"]!.AsArray())
                {
                    if (item!["id"]!.GetValue<string>() == photo.Id.ToString())
                    {
                        item["classification"] = new JsonObject
                        {
                            ["verdict"] = "hold",
                            ["labels"] = new JsonArray(
                                new JsonObject { ["label"] = "neutral", ["score"] = 0.12 },
                                new JsonObject { ["label"] = hostile, ["score"] = 0.8731 },
                                new JsonObject { ["label"] = "drawing", ["score"] = 0.05 },
                                new JsonObject { ["label"] = "hentai", ["score"] = 0.001 }),
                            ["classifier"] = "nsfwjs-mobilenetv2",
                            ["note"] = "classifier unavailable: timed out " + hostile,
                            ["elapsedMs"] = 41.6,
                        };
                    }
                }

                await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
            });
            await SignInAsAdminAsync(page);

            var card = page.Locator($".queue .card[data-photo-id='{photo.Id}']");
            var verdict = card.Locator(".verdict");
            await Expect(verdict).ToHaveAttributeAsync("data-verdict", "hold");
            await Expect(verdict.Locator(".pill")).ToHaveTextAsync("Classifier: hold");
            await Expect(verdict.GetByRole(AriaRole.List, new() { Name = "Top labels" }).GetByRole(AriaRole.Listitem))
                .ToHaveTextAsync([hostile + "87%", "neutral12%", "drawing5%"]);
            await Expect(verdict).ToContainTextAsync("By nsfwjs-mobilenetv2 in 42 ms");
            await Expect(verdict.Locator(".verdict-note")).ToHaveTextAsync("classifier unavailable: timed out " + hostile);
            await Expect(card.Locator("img[src='x']")).ToHaveCountAsync(0);
            Assert.False(await page.EvaluateAsync<bool>("() => window.__injected === true"));
            await card.ScrollIntoViewIfNeededAsync();
            await ShootAsync(page, "admin-queue-verdict-desktop.png", ScreenshotCopies());

            await card.GetByRole(AriaRole.Button, new() { Name = "Reject" }).ClickAsync();
            await Expect(card).ToHaveCountAsync(0);
        }
        finally
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
        }

        Assert.Empty(watch.Errors);
    }

    /// <summary>
    /// Runs <paramref name="test"/> with a real receiver and an admin page signed in, then deletes what was registered
    /// for the receiver whatever happened, and checks that the page reported no errors.
    /// </summary>
    private async Task OnAdminPageWithReceiverAsync(Func<WebhookReceiver, string, IPage, Task> test)
    {
        await using var receiver = await WebhookReceiver.StartAsync(TestContext.Current.CancellationToken);
        var url = receiver.Url.ToString();
        await using var admin = await _web.NewContextAsync();
        var watch = new ConsoleWatch(admin);
        var page = await admin.NewPageAsync();
        try
        {
            await SignInAsAdminAsync(page);
            await test(receiver, url, page);
        }
        finally
        {
            await DeleteWebhooksThroughApiAsync(url);
        }

        Assert.Empty(watch.Errors);
    }

    /// <summary>Fills in and sends the admin page's register form; returns the new endpoint's entry, showing its secret.</summary>
    private static async Task<ILocator> RegisterWebhookAsync(IPage page, string url, string? description, params string[] eventTypes)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Register an endpoint" });
        await form.GetByLabel("Endpoint URL").FillAsync(url);
        if (description is not null)
        {
            await form.GetByLabel("Description (optional)").FillAsync(description);
        }

        foreach (var type in eventTypes)
        {
            await form.Locator($"input[name='eventTypes'][value='{type}']").CheckAsync();
        }

        await form.GetByRole(AriaRole.Button, new() { Name = "Register webhook" }).ClickAsync();
        var hook = WebhookEntry(page, url);
        await Expect(SecretField(hook)).ToHaveValueAsync(new Regex("^whsec_"));
        await Expect(form.GetByLabel("Endpoint URL")).ToHaveValueAsync("");
        return hook;
    }

    /// <summary>The secret an entry shows once, after registering or rotating.</summary>
    private static ILocator SecretField(ILocator hook) => hook.GetByRole(AriaRole.Textbox, new() { Name = "Signing secret" });

    private static ILocator WebhookEntry(IPage page, string url) =>
        page.GetByRole(AriaRole.List, new() { Name = "Registered webhooks" }).GetByRole(AriaRole.Listitem, new() { Name = url, Exact = true });

    /// <summary>
    /// The log's row for a message in a state, pressing Refresh until it shows (a photo's delivery is not followed by
    /// the page the way a test event is), for at most 30 s.
    /// </summary>
    private static async Task<ILocator> DeliveryRowAsync(ILocator hook, string messageId, string state)
    {
        var row = hook.Locator($".log-table tr[data-message-id='{messageId}'][data-state='{state}']");
        var refresh = hook.GetByRole(AriaRole.Button, new() { Name = "Refresh" });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await refresh.ClickAsync();
            try
            {
                await Expect(row).ToBeVisibleAsync(new() { Timeout = 1_000 });
                return row;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private async Task<IReadOnlyList<WebhookDto>> ListWebhooksThroughApiAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/webhooks");
        request.Headers.Add("X-Admin-Key", _web.System.AdminKey);
        using var response = await _web.Http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.WebhookList, TestContext.Current.CancellationToken))!.Items;
    }

    /// <summary>Deletes what a test registered for <paramref name="url"/>, whatever the page managed to do.</summary>
    private async Task DeleteWebhooksThroughApiAsync(string url)
    {
        foreach (var webhook in (await ListWebhooksThroughApiAsync()).Where(w => w.Url == url))
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/webhooks/{webhook.Id}");
            request.Headers.Add("X-Admin-Key", _web.System.AdminKey);
            using var response = await _web.Http.SendAsync(request, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    [GeneratedRegex(@"^\d+ ms$")]
    private static partial Regex WholeMilliseconds();

    [GeneratedRegex(@"/api/admin/moderation\?")]
    private static partial Regex ModerationQueueAddress();
}
