using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>
/// An album as an event's wall: a guest link lets people without the owner's session add photos to one album, which its
/// projector view (/s/{token}/wall) shows live, and nowhere else.
/// </summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task APhotoAGuestAddsThroughAGuestLinkAppearsLiveOnThatAlbumsProjectorButNotOnAnotherAlbumsNorOnTheWall()
    {
        await using var owner = await _web.NewContextAsync();
        var token = await SignInAsync(owner);
        var ownerWatch = new ConsoleWatch(owner);
        var prefix = WebFixture.Unique("Event");
        var inA = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} in A", 70), $"{prefix} in A", "Host");
        var albumA = await CreateAlbumAsync(owner, $"{prefix} A", null, inA.Id);
        var albumB = await CreateAlbumAsync(owner, $"{prefix} B", null);
        var (linkA, _) = await CreateShareLinkAsync(owner, albumA.Id, allowUploads: true);
        var (linkB, _) = await CreateShareLinkAsync(owner, albumB.Id, allowUploads: true);

        // The screens of the party: each album's projector view, and the site's wall.
        await using var screens = await _web.NewContextAsync(1920, 1080);
        var screensWatch = new ConsoleWatch(screens);
        var wallB = await screens.NewPageAsync();
        await wallB.GotoAsync($"/s/{linkB}/wall");
        var showB = wallB.Locator(".projector");
        await Expect(showB.Locator(".projector-invite")).ToBeVisibleAsync();
        await Expect(showB.Locator(".projector-qr img")).ToHaveAttributeAsync("src", new Regex("^blob:"));
        await Expect(showB.Locator(".projector-qr-address")).ToHaveTextAsync(new Regex($"/s/{linkB}/upload$"));
        var wallA = await screens.NewPageAsync();
        await wallA.GotoAsync($"/s/{linkA}/wall");
        var showA = wallA.Locator(".projector");
        await Expect(showA).ToHaveAttributeAsync("data-current", inA.Id.ToString());
        var wall = await screens.NewPageAsync();
        await OpenWallAsync(wall);
        foreach (var screen in new[] { wallA, wallB, wall })
        {
            await RecordShownPhotosAsync(screen);
        }

        // The guest: another browser on a phone, without the owner's cookie.
        await using var guest = await _web.NewContextAsync(390, 844, phone: true);
        var guestWatch = new ConsoleWatch(guest);
        var upload = await guest.NewPageAsync();
        var caption = $"{prefix} from a guest";
        var id = await UploadAsGuestAsync(upload, linkB, await _web.MakeImageAsync(caption, 290), "guest.jpg", caption, "Mina");
        await Expect(upload.GetByRole(AriaRole.Heading, new() { Name = albumB.Title, Level = 1 })).ToBeVisibleAsync();
        var item = upload.Locator($".upload-item[data-photo-id='{id}']");
        await Expect(item).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
        await Expect(item).ToContainTextAsync("on the album’s wall");
        await ShootAsync(upload, "guest-upload-phone.png", ScreenshotCopies());
        await upload.EvaluateAsync("() => window.scrollTo(0, 0)");
        await ShootAsync(upload, "guest-upload-top-phone.png", ScreenshotCopies());

        await Expect(showB).ToHaveAttributeAsync("data-current", id, new() { Timeout = ProcessingTimeout });
        await Expect(showB.Locator(".projector-caption")).ToHaveTextAsync(caption);
        await Expect(showB.Locator(".projector-author")).ToHaveTextAsync("by Mina");
        await Expect(showB.Locator(".projector-slide.visible img.loaded")).ToBeVisibleAsync();
        await ShootAsync(wallB, "guest-wall-1920.png", ScreenshotCopies());

        // A photo the owner adds to album A after the guest's reaches A's projector and the wall: by then each has had
        // every event before it, and the guest's photo was among none of them.
        var later = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} later", 150), $"{prefix} later in A", "Host");
        var added = await owner.APIRequest.PutAsync($"/api/albums/{albumA.Id}/photos/{later.Id}");
        Assert.Equal((int)HttpStatusCode.NoContent, added.Status);
        await Expect(showA).ToHaveAttributeAsync("data-current", later.Id.ToString(), new() { Timeout = ProcessingTimeout });
        await Expect(wall.Locator($".tile[data-photo-id='{later.Id}']")).ToBeVisibleAsync();
        Assert.DoesNotContain(id, await ShownPhotosAsync(wallA));
        Assert.DoesNotContain(id, await ShownPhotosAsync(wall));
        await Expect(wall.Locator($".tile[data-photo-id='{id}']")).ToHaveCountAsync(0);
        Assert.DoesNotContain(id, await PublicPhotoIdsAsync());
        foreach (var screen in new[] { wallA, wallB, wall })
        {
            Assert.True(await screen.EvaluateAsync<bool>("() => window.__sameDocument === true"), $"{screen.Url} reloaded");
        }

        Assert.Empty(ownerWatch.Errors);
        Assert.Empty(screensWatch.Errors);
        Assert.Empty(guestWatch.Errors);
    }

    [Fact]
    public async Task WithApprovalOnAGuestsPhotoWaitsForTheOwnerAndAppearsLiveOnceApprovedAndRemovingItTakesItOffLive()
    {
        await using var owner = await _web.NewContextAsync();
        await SignInAsync(owner);
        var ownerWatch = new ConsoleWatch(owner);
        var prefix = WebFixture.Unique("Approve");
        var album = await CreateAlbumAsync(owner, $"{prefix} wedding", null);
        var (link, _) = await CreateShareLinkAsync(owner, album.Id, allowUploads: true);

        var albumPage = await owner.NewPageAsync();
        await albumPage.GotoAsync($"/albums/{album.Id}");
        await Expect(albumPage.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        var approval = albumPage.GetByRole(AriaRole.Switch, new() { Name = "Approve guests’ photos" });
        await Expect(approval).Not.ToBeCheckedAsync();
        await albumPage.Locator("label.switch").Filter(new() { HasText = "Approve guests’ photos" }).ClickAsync();
        await Expect(approval).ToBeCheckedAsync();
        await Expect(albumPage.Locator(".toast")).ToContainTextAsync("now wait for your approval");
        Assert.True((await GetAlbumJsonAsync(owner, album.Id)).GetProperty("guestApproval").GetBoolean());

        await using var screens = await _web.NewContextAsync(1920, 1080);
        var screensWatch = new ConsoleWatch(screens);
        var wall = await screens.NewPageAsync();
        await wall.GotoAsync($"/s/{link}/wall");
        var show = wall.Locator(".projector");
        await Expect(show.Locator(".projector-invite")).ToBeVisibleAsync();
        await RecordShownPhotosAsync(wall);
        await using var friend = await _web.NewContextAsync(390, 844, phone: true);
        var friendWatch = new ConsoleWatch(friend);
        var shared = await friend.NewPageAsync();
        await shared.GotoAsync($"/s/{link}");
        await Expect(shared.GetByRole(AriaRole.Link, new() { Name = "Add photos" })).ToHaveAttributeAsync("href", $"/s/{link}/upload");
        await Expect(shared.GetByRole(AriaRole.Link, new() { Name = "Projector" })).ToHaveAttributeAsync("href", $"/s/{link}/wall");
        await Expect(shared.Locator(".shared-empty")).ToBeVisibleAsync();

        await using var guest = await _web.NewContextAsync(390, 844, phone: true);
        var guestWatch = new ConsoleWatch(guest);
        var upload = await guest.NewPageAsync();
        var caption = $"{prefix} first dance";
        var id = await UploadAsGuestAsync(upload, link, await _web.MakeImageAsync(caption, 320), "dance.jpg", caption, "Theo");
        var item = upload.Locator($".upload-item[data-photo-id='{id}']");
        await Expect(item).ToHaveAttributeAsync("data-state", "approval", new() { Timeout = ProcessingTimeout });
        await Expect(item).ToContainTextAsync("waiting for the owner’s approval");
        await ShootAsync(upload, "guest-upload-waiting-phone.png", ScreenshotCopies());

        // The owner's page lists it as waiting, without a reload; nobody else sees it yet.
        var waiting = albumPage.Locator($".pending-photo[data-photo-id='{id}']");
        await Expect(albumPage.GetByRole(AriaRole.Heading, new() { Name = "Waiting for approval" })).ToBeVisibleAsync();
        await Expect(waiting).ToBeVisibleAsync();
        await Expect(waiting.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"), new() { Timeout = ProcessingTimeout });
        await Expect(albumPage.Locator(".album-meta")).ToContainTextAsync("1 waiting for approval");
        await Expect(albumPage.Locator($".album-photos:not(.pending-photos) .album-photo[data-photo-id='{id}']")).ToHaveCountAsync(0);
        await ShootAsync(albumPage, "album-waiting-desktop.png", ScreenshotCopies());
        Assert.DoesNotContain(id, await ShownPhotosAsync(wall));
        await Expect(shared.Locator(".shared-grid .tile")).ToHaveCountAsync(0);

        await waiting.GetByRole(AriaRole.Button, new() { Name = $"Approve “{caption}”" }).ClickAsync();
        await Expect(waiting).ToHaveCountAsync(0);
        await Expect(albumPage.GetByRole(AriaRole.Heading, new() { Name = "Waiting for approval" })).ToBeHiddenAsync();
        var inAlbum = albumPage.Locator($".album-photo[data-photo-id='{id}']");
        await Expect(inAlbum).ToBeVisibleAsync();
        await Expect(show).ToHaveAttributeAsync("data-current", id);
        await Expect(show.Locator(".projector-caption")).ToHaveTextAsync(caption);
        await Expect(shared.Locator($".shared-grid .tile[data-photo-id='{id}']")).ToBeVisibleAsync();
        await Expect(shared.Locator(".shared-count")).ToHaveTextAsync("1 photo");
        await Expect(item).ToHaveAttributeAsync("data-state", "ready");
        await ShootAsync(shared, "shared-album-live-phone.png", ScreenshotCopies());

        // Taken out of the album by its owner: off the projector and the shared page at once.
        await inAlbum.GetByRole(AriaRole.Button, new() { Name = $"Remove “{caption}” from the album" }).ClickAsync();
        await Expect(inAlbum).ToHaveCountAsync(0);
        await Expect(show).ToHaveAttributeAsync("data-current", "");
        await Expect(show.Locator(".projector-invite")).ToBeVisibleAsync();
        await Expect(shared.Locator(".shared-grid .tile")).ToHaveCountAsync(0);
        await Expect(item).ToHaveAttributeAsync("data-state", "removed");

        // A second one turned down while it waits never shows.
        var other = $"{prefix} blurry";
        var second = await UploadAsGuestAsync(upload, link, await _web.MakeImageAsync(other, 20), "blurry.jpg", other, "Theo");
        var waitingSecond = albumPage.Locator($".pending-photo[data-photo-id='{second}']");
        await Expect(waitingSecond).ToBeVisibleAsync(new() { Timeout = ProcessingTimeout });
        await waitingSecond.GetByRole(AriaRole.Button, new() { Name = $"Remove “{other}”, which is waiting for approval" }).ClickAsync();
        await Expect(waitingSecond).ToHaveCountAsync(0);
        await Expect(albumPage.Locator(".album-meta")).Not.ToContainTextAsync("waiting for approval");
        var pending = await owner.APIRequest.GetAsync($"/api/albums/{album.Id}/photos?state=pending");
        Assert.Equal((int)HttpStatusCode.OK, pending.Status);
        Assert.Equal(0, JsonDocument.Parse(await pending.TextAsync()).RootElement.GetProperty("items").GetArrayLength());
        Assert.DoesNotContain(second, await ShownPhotosAsync(wall));

        Assert.Empty(ownerWatch.Errors);
        Assert.Empty(screensWatch.Errors);
        Assert.Empty(friendWatch.Errors);
        Assert.Empty(guestWatch.Errors);
    }

    [Fact]
    public async Task TheUploadPageOfALinkThatNoLongerWorksIsAFriendlyNotFoundPageAndAnUploadThroughItIsToldSo()
    {
        await using var owner = await _web.NewContextAsync();
        await SignInAsync(owner);
        var prefix = WebFixture.Unique("Gone");
        var album = await CreateAlbumAsync(owner, $"{prefix} picnic", null);
        var (link, linkId) = await CreateShareLinkAsync(owner, album.Id, allowUploads: true);
        var (lookOnly, _) = await CreateShareLinkAsync(owner, album.Id, allowUploads: false);

        await using var guest = await _web.NewContextAsync(390, 844, phone: true);
        var guestWatch = new ConsoleWatch(guest);
        var page = await guest.NewPageAsync();

        // Opened while the link worked, then turned off: the upload is refused with words a guest understands.
        await page.GotoAsync($"/s/{link}/upload");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = album.Title, Level = 1 })).ToBeVisibleAsync();
        var revoked = await owner.APIRequest.DeleteAsync($"/api/me/links/{linkId}");
        Assert.Equal((int)HttpStatusCode.NoContent, revoked.Status);
        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = "late.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync($"{prefix} late", 100) });
        var item = page.Locator(".upload-item");
        await Expect(item).ToHaveAttributeAsync("data-state", "error");
        await Expect(item).ToContainTextAsync("This link no longer works");
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeHiddenAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync("This link no longer works");

        foreach (var dead in new[] { link, new string('A', 43), "not-a-token" })
        {
            var response = await page.GotoAsync($"/s/{dead}/upload");
            Assert.Equal(404, response!.Status);
            Assert.Equal("noindex, nofollow", await response.HeaderValueAsync("x-robots-tag"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not work", Level = 1 })).ToBeVisibleAsync();
            await Expect(page.Locator("#file-picker")).ToHaveCountAsync(0);
            await Expect(page.GetByText(prefix)).ToHaveCountAsync(0);
        }

        await ShootAsync(page, "guest-upload-gone-phone.png", ScreenshotCopies());
        Assert.Equal(404, (await page.GotoAsync($"/s/{link}/wall"))!.Status);
        Assert.Equal(404, (await guest.APIRequest.GetAsync("/s/not-a-token/qr.svg")).Status);

        // A link made for looking only takes no photos, and its page says so.
        var lookOnlyUpload = await page.GotoAsync($"/s/{lookOnly}/upload");
        Assert.Equal(403, lookOnlyUpload!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not take photos", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "See what was shared" })).ToHaveAttributeAsync("href", $"/s/{lookOnly}");
        Assert.True(guestWatch.ErrorsExceptStatuses(403, 404).Count == 0, string.Join("\n", guestWatch.ErrorsExceptStatuses(403, 404)));
    }

    [Fact]
    public async Task TheShareDialogMakesAGuestLinkAndShowsItsPageUploadAndProjectorAddressesEachWithACopyButton()
    {
        (string Name, int Width, int Height, bool Phone)[] sizes = [("desktop", 1440, 900, false), ("phone", 390, 844, true)];
        foreach (var (sizeName, width, height, phone) in sizes)
        {
            await using var owner = await _web.NewContextAsync(width, height, phone);
            await SignInAsync(owner);
            await owner.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = _web.System.GatewayUrl.ToString().TrimEnd('/') });
            var watch = new ConsoleWatch(owner);
            var album = await CreateAlbumAsync(owner, WebFixture.Unique("Garden party"), null);
            var page = await owner.NewPageAsync();
            await page.GotoAsync($"/albums/{album.Id}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog, new() { NameRegex = new Regex("^Share album") });
            var guests = dialog.GetByRole(AriaRole.Checkbox, new() { Name = "Let guests add photos" });
            await Expect(guests).Not.ToBeCheckedAsync();
            await guests.CheckAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Make a link" }).ClickAsync();

            var pageUrl = dialog.GetByLabel("The new link");
            await Expect(pageUrl).ToHaveValueAsync(new Regex("/s/[A-Za-z0-9_-]{43}$"));
            var url = await pageUrl.InputValueAsync();
            await Expect(dialog.GetByLabel("Guest upload page")).ToHaveValueAsync(url + "/upload");
            await Expect(dialog.GetByLabel("Projector view")).ToHaveValueAsync(url + "/wall");
            var copy = dialog.GetByRole(AriaRole.Button, new() { Name = "Copy the upload address" });
            await copy.ClickAsync();
            await Expect(copy).ToHaveTextAsync("Copied");
            Assert.Equal(url + "/upload", await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
            await Expect(dialog.Locator(".share-link[data-active='true']")).ToContainTextAsync("Guests can add photos");
            await ShootAsync(page, $"share-dialog-guests-{sizeName}.png", ScreenshotCopies());
            var width2 = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width2 <= width, $"the page is {width2} px wide on a {width} px screen");

            // The server made a guest link; a link made without the box takes no photos and offers no upload page.
            var links = JsonDocument.Parse(await (await owner.APIRequest.GetAsync("/api/me/links?limit=100")).TextAsync()).RootElement.GetProperty("items");
            var made = links.EnumerateArray().Single(l => l.GetProperty("targetId").GetString() == album.Id.ToString());
            Assert.True(made.GetProperty("allowUploads").GetBoolean());
            await guests.UncheckAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Make a link" }).ClickAsync();
            await Expect(dialog.GetByLabel("The new link")).Not.ToHaveValueAsync(url);
            await Expect(dialog.GetByLabel("Guest upload page")).ToHaveCountAsync(0);
            await Expect(dialog.GetByLabel("Projector view")).ToHaveValueAsync(new Regex("/s/[A-Za-z0-9_-]{43}/wall$"));
            await Expect(dialog.Locator(".share-link")).ToHaveCountAsync(2);
            await Expect(dialog.Locator(".share-link-guests")).ToHaveCountAsync(1);
            Assert.Empty(watch.Errors);
        }
    }

    /// <summary>A share link of the album through the API, as the owner's browser would make it: its token and its id.</summary>
    private static async Task<(string Token, string Id)> CreateShareLinkAsync(IBrowserContext owner, Guid albumId, bool allowUploads)
    {
        var response = await owner.APIRequest.PostAsync($"/api/albums/{albumId}/links", new() { DataObject = new { allowUploads } });
        Assert.Equal((int)HttpStatusCode.Created, response.Status);
        var link = JsonDocument.Parse(await response.TextAsync()).RootElement;
        Assert.Equal(allowUploads, link.GetProperty("allowUploads").GetBoolean());
        var url = link.GetProperty("url").GetString()!;
        return (url[(url.LastIndexOf('/') + 1)..], link.GetProperty("id").GetString()!);
    }

    private static async Task<JsonElement> GetAlbumJsonAsync(IBrowserContext owner, Guid albumId)
    {
        var response = await owner.APIRequest.GetAsync($"/api/albums/{albumId}");
        Assert.Equal((int)HttpStatusCode.OK, response.Status);
        return JsonDocument.Parse(await response.TextAsync()).RootElement;
    }

    /// <summary>Adds one photo on a guest link's upload page and returns its id, once the page has it.</summary>
    private static Task<string> UploadAsGuestAsync(IPage page, string link, byte[] image, string fileName, string caption, string author) =>
        UploadThroughPageAsync(page, image, fileName, caption, author, $"/s/{link}/upload");

    /// <summary>
    /// From now on, the page keeps every photo id it shows (a wall's tiles, a projector's slides) in a list of its own, and
    /// marks its document, so a test can tell what it showed at any moment and that it was never reloaded.
    /// </summary>
    private static Task RecordShownPhotosAsync(IPage page) => page.EvaluateAsync(
        """
        () => {
          window.__sameDocument = true;
          window.__shown = new Set();
          const look = () => {
            for (const element of document.querySelectorAll('[data-photo-id]')) window.__shown.add(element.dataset.photoId);
            const current = document.querySelector('.projector')?.dataset.current;
            if (current) window.__shown.add(current);
          };
          look();
          new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-current', 'data-photo-id'] });
        }
        """);

    private static async Task<string[]> ShownPhotosAsync(IPage page) =>
        await page.EvaluateAsync<string[]>("() => [...window.__shown]");

    private static string ScreenshotCopies() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "web-screenshots")).FullName;
}
