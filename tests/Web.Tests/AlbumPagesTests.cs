using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Scrapbook.Contracts;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>The album pages (/albums, /albums/{id}, /upload?album=) in Chromium against the whole system.</summary>
public sealed partial class WebClientTests
{
    [Fact]
    public async Task AnAlbumMadeOnAlbumsIsFilledFromMyPhotosAndReorderedByDragAndByTheMoveButtonsInAnOrderThatSurvivesAReload()
    {
        await using var owner = await _web.NewContextAsync();
        var token = await SignInAsync(owner);
        var watch = new ConsoleWatch(owner);
        var prefix = WebFixture.Unique("Order");
        // One after the other, so their ids (and so "newest first") follow the order they were sent in.
        var photos = new List<PhotoDto>();
        for (var i = 1; i <= 3; i++)
        {
            photos.Add(await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} {i}", i * 90), $"{prefix} {i}", "Ines"));
        }

        var (first, second, third) = (photos[0].Id.ToString(), photos[1].Id.ToString(), photos[2].Id.ToString());
        var page = await owner.NewPageAsync();
        await page.GotoAsync("/albums");
        await Expect(page.Locator(".albums-page .empty")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Albums", Exact = true })).ToHaveAttributeAsync("aria-current", "page");

        // The dialog keeps a title-less album from being made and says why.
        await page.GetByRole(AriaRole.Button, new() { Name = "New album" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New album" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create album" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Give the album a title.");
        await Expect(dialog.GetByLabel("Title", new() { Exact = true })).ToBeFocusedAsync();
        var title = WebFixture.Unique("Road trip");
        await dialog.GetByLabel("Title", new() { Exact = true }).FillAsync(title);
        await dialog.GetByLabel("Description").FillAsync("Three days, one car.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create album" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var card = page.Locator(".album-card").Filter(new() { HasText = title });
        await Expect(card).ToContainTextAsync("No photos yet");
        await Expect(card).ToContainTextAsync("Three days, one car.");
        await Expect(page.Locator(".albums-page .empty")).ToBeHiddenAsync();

        await card.GetByRole(AriaRole.Link, new() { Name = title }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/albums/[0-9a-f-]{36}$"));
        var albumId = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Albums", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
        await Expect(page.Locator(".album-page .empty")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Add my photos" }).ClickAsync();
        var picker = page.GetByRole(AriaRole.Dialog, new() { Name = "Add my photos" });
        foreach (var photo in photos)
        {
            await picker.GetByLabel(photo.Caption!).CheckAsync();
        }

        await picker.GetByRole(AriaRole.Button, new() { Name = "Add to album" }).ClickAsync();
        await Expect(picker).ToHaveCountAsync(0);
        // A new album lists its newest photo first.
        await ExpectShownOrderAsync(page, third, second, first);
        await Expect(page.Locator(".album-meta")).ToContainTextAsync("3 photos");
        await Expect(page.GetByLabel("Newest first")).ToBeCheckedAsync();
        await ExpectServerOrderAsync(owner, albumId, third, second, first);

        // Dragged onto the left half of the first card: it lands before it, and the album keeps the owner's order.
        var cardOf = (string id) => page.Locator($".album-photo[data-photo-id='{id}']");
        await cardOf(first).Locator(".frame").DragToAsync(cardOf(third), new()
        {
            SourcePosition = new() { X = 40, Y = 40 },
            TargetPosition = new() { X = 12, Y = 60 },
        });
        await ExpectShownOrderAsync(page, first, third, second);
        await Expect(page.GetByLabel("My order")).ToBeCheckedAsync();
        await ExpectServerOrderAsync(owner, albumId, first, third, second);

        // The arrows do the same without a pointer; the focus stays on the arrow that was pressed.
        var later = cardOf(third).GetByRole(AriaRole.Button, new() { Name = $"Move “{photos[2].Caption}” later" });
        await later.ClickAsync();
        await ExpectShownOrderAsync(page, first, second, third);
        await Expect(later).ToBeDisabledAsync();
        await Expect(cardOf(third).GetByRole(AriaRole.Button, new() { Name = $"Move “{photos[2].Caption}” earlier" })).ToBeFocusedAsync();
        var earlier = cardOf(second).GetByRole(AriaRole.Button, new() { Name = $"Move “{photos[1].Caption}” earlier" });
        await earlier.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await ExpectShownOrderAsync(page, second, first, third);
        await Expect(earlier).ToBeDisabledAsync();
        await Expect(cardOf(first).GetByRole(AriaRole.Button, new() { Name = $"Move “{photos[0].Caption}” earlier" })).ToBeEnabledAsync();
        await ExpectServerOrderAsync(owner, albumId, second, first, third);

        await page.ReloadAsync();
        await ExpectShownOrderAsync(page, second, first, third);
        await Expect(page.GetByLabel("My order")).ToBeCheckedAsync();

        // Back to newest first: the page shows the server's order again.
        await page.GetByText("Newest first").ClickAsync();
        await ExpectShownOrderAsync(page, third, second, first);
        await ExpectServerOrderAsync(owner, albumId, third, second, first);
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task TheCoverChosenOnTheAlbumPageShowsOnAlbumsAndARenameAndTheDeletionFollowThereLive()
    {
        await using var owner = await _web.NewContextAsync();
        var token = await SignInAsync(owner);
        var watch = new ConsoleWatch(owner);
        var prefix = WebFixture.Unique("Cover");
        var older = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} older", 15), $"{prefix} older", "Oli");
        var newer = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync($"{prefix} newer", 200), $"{prefix} newer", "Oli");
        var album = await CreateAlbumAsync(owner, WebFixture.Unique("Harbour"), null, older.Id, newer.Id);

        var albums = await owner.NewPageAsync();
        await albums.GotoAsync("/albums");
        await Expect(albums.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        var albumCard = albums.Locator($".album-card[data-album-id='{album.Id}']");
        // Until one is chosen, the cover is the newest photo.
        await Expect(albumCard.Locator(".frame img")).ToHaveAttributeAsync("alt", newer.Caption!);
        await Expect(albumCard).ToContainTextAsync("2 photos");

        var page = await owner.NewPageAsync();
        await page.GotoAsync($"/albums/{album.Id}");
        var olderCard = page.Locator($".album-photo[data-photo-id='{older.Id}']");
        var newerCard = page.Locator($".album-photo[data-photo-id='{newer.Id}']");
        await Expect(newerCard.Locator(".cover-badge")).ToBeVisibleAsync();
        await Expect(olderCard.Locator(".cover-badge")).ToBeHiddenAsync();
        var makeCover = olderCard.GetByRole(AriaRole.Button, new() { Name = $"Make cover: “{older.Caption}”" });
        await Expect(makeCover).ToHaveAttributeAsync("aria-pressed", "false");
        await makeCover.ClickAsync();
        await Expect(makeCover).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(olderCard.Locator(".cover-badge")).ToBeVisibleAsync();
        await Expect(newerCard.Locator(".cover-badge")).ToBeHiddenAsync();
        await Expect(albumCard.Locator(".frame img")).ToHaveAttributeAsync("alt", older.Caption!);

        // Out of the album, but still the owner's photo; and no longer its cover.
        await olderCard.GetByRole(AriaRole.Button, new() { Name = $"Remove “{older.Caption}” from the album" }).ClickAsync();
        await Expect(olderCard).ToHaveCountAsync(0);
        await Expect(page.Locator(".toast").Last).ToContainTextAsync("The photo stays in My photos.");
        await Expect(page.Locator(".album-meta")).ToContainTextAsync("1 photo ");
        await Expect(newerCard.Locator(".cover-badge")).ToBeVisibleAsync();
        await Expect(albumCard).ToContainTextAsync("1 photo");
        await Expect(albumCard.Locator(".frame img")).ToHaveAttributeAsync("alt", newer.Caption!);
        Assert.Equal([newer.Id.ToString()], await AlbumPhotoIdsAsync(owner, album.Id.ToString()));
        var mine = await owner.NewPageAsync();
        await mine.GotoAsync("/mine");
        await Expect(mine.Locator($".card[data-photo-id='{older.Id}']")).ToBeVisibleAsync();
        await mine.CloseAsync();

        // Renamed and described; an empty title is refused in the dialog.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit title and description" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Edit album" });
        await Expect(dialog.GetByLabel("Title", new() { Exact = true })).ToHaveValueAsync(album.Title);
        await dialog.GetByLabel("Title", new() { Exact = true }).FillAsync("   ");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Give the album a title.");
        var renamed = WebFixture.Unique("Harbour at dawn");
        await dialog.GetByLabel("Title", new() { Exact = true }).FillAsync(renamed);
        await dialog.GetByLabel("Description").FillAsync("Boats, fog, coffee.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = renamed, Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator(".album-page .album-description")).ToHaveTextAsync("Boats, fog, coffee.");
        await Expect(albumCard.Locator(".album-title")).ToHaveTextAsync(renamed);
        await Expect(albumCard).ToContainTextAsync("Boats, fog, coffee.");

        // Deleted after confirming: the page goes to /albums, which says so; the other /albums drops it live.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete album" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete this album?" });
        await Expect(confirm).ToContainTextAsync("Its photos stay in My photos");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete album" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/albums$"));
        await Expect(page.Locator(".toast").Last).ToHaveTextAsync($"Album “{renamed}” deleted.");
        await Expect(page.Locator($".album-card[data-album-id='{album.Id}']")).ToHaveCountAsync(0);
        await Expect(albumCard).ToHaveCountAsync(0);
        var gone = await owner.APIRequest.GetAsync($"/api/albums/{album.Id}");
        Assert.Equal((int)HttpStatusCode.NotFound, gone.Status);
        var stillMine = await owner.APIRequest.GetAsync($"/api/photos/{newer.Id}");
        Assert.Equal((int)HttpStatusCode.OK, stillMine.Status);
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task APhotoUploadedOnTheUploadPageOfAnAlbumEndsUpInThatAlbum()
    {
        await using var owner = await _web.NewContextAsync();
        await SignInAsync(owner);
        var watch = new ConsoleWatch(owner);
        var album = await CreateAlbumAsync(owner, WebFixture.Unique("Straight in"), "Uploaded from the album");
        var page = await owner.NewPageAsync();
        await page.GotoAsync($"/albums/{album.Id}");
        await page.GetByRole(AriaRole.Link, new() { Name = "Upload into this album" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/upload\\?album={album.Id}$"));
        await Expect(page.Locator(".album-target")).ToContainTextAsync($"Uploading into album ‘{album.Title}’");

        var caption = WebFixture.Unique("Into the album");
        await page.Locator("#caption").FillAsync(caption);
        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = "album.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync(caption, 140) });
        var item = page.Locator(".upload-item").Filter(new() { HasText = "album.jpg" });
        await Expect(item).ToHaveAttributeAsync("data-photo-id", PhotoId());
        var id = (await item.GetAttributeAsync("data-photo-id"))!;
        await Expect(item).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
        Assert.Equal([id], await AlbumPhotoIdsAsync(owner, album.Id.ToString()));
        var copies = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "web-screenshots")).FullName;
        await ShootAsync(page, "upload-into-album-desktop.png", copies);

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to the album" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/albums/{album.Id}$"));
        var card = page.Locator($".album-photo[data-photo-id='{id}']");
        await Expect(card).ToContainTextAsync(caption);
        await Expect(card.Locator(".cover-badge")).ToBeVisibleAsync();
        await Expect(card.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        await Expect(page.Locator(".album-meta")).ToContainTextAsync("1 photo ");
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task AnotherOwnerOpeningAnAlbumsAddressIsToldItIsNotFoundAndCannotUploadIntoIt()
    {
        await using var owner = await _web.NewContextAsync();
        await using var stranger = await _web.NewContextAsync(390, 844, phone: true);
        await SignInAsync(owner);
        var watch = new ConsoleWatch(stranger);
        var album = await CreateAlbumAsync(owner, WebFixture.Unique("Private"), "Not for strangers");

        var page = await stranger.NewPageAsync();
        await page.GotoAsync($"/albums/{album.Id}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Album not found", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator(".album-missing")).ToContainTextAsync("an album opens only for its owner");
        await Expect(page.GetByText(album.Title)).ToHaveCountAsync(0);
        await Expect(page.Locator(".album-page")).ToHaveCountAsync(0);
        var copies = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "web-screenshots")).FullName;
        await ShootAsync(page, "album-not-found-phone.png", copies);
        await page.GetByRole(AriaRole.Link, new() { Name = "Go to my albums" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/albums$"));
        await Expect(page.Locator(".albums-page .empty")).ToBeVisibleAsync();
        await Expect(page.Locator($".album-card[data-album-id='{album.Id}']")).ToHaveCountAsync(0);

        // Its upload page says the photos would not go into that album.
        await page.GotoAsync($"/upload?album={album.Id}");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That album is not one of yours, or it was deleted");
        await Expect(page.Locator(".album-target")).ToBeHiddenAsync();
        await ShootAsync(page, "upload-into-someone-elses-album-phone.png", copies);

        var put = await stranger.APIRequest.PutAsync($"/api/albums/{album.Id}/photos/{Guid.NewGuid()}");
        Assert.Equal((int)HttpStatusCode.NotFound, put.Status);
        Assert.Empty(watch.ErrorsExceptStatuses(404));
    }

    /// <summary>
    /// The album pages for the page-render test, as <paramref name="page"/>'s owner sees them: /albums, one album, its
    /// "Add my photos" dialog and, where there is a mouse, a drag in progress with its drop indicator.
    /// </summary>
    private static async Task ShootAlbumPagesAsync(IPage page, string sizeName, AlbumDto album, bool phone, string copies)
    {
        await page.GotoAsync("/albums");
        var card = page.Locator($".album-card[data-album-id='{album.Id}']");
        await Expect(card.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        await Expect(page.Locator(".album-blank")).Not.ToHaveCountAsync(0);
        await ShootAsync(page, $"albums-{sizeName}.png", copies);

        await card.GetByRole(AriaRole.Link).ClickAsync();
        var photos = page.Locator(".album-photo");
        await Expect(photos).ToHaveCountAsync(album.PhotoCount);
        await Expect(photos.First.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        await Expect(page.Locator(".album-photo .cover-badge:visible")).ToHaveCountAsync(1);
        await ShootAsync(page, $"album-{sizeName}.png", copies);

        if (!phone)
        {
            // Held over the second card's left half: the indicator stands in the gap before it. Let go back over the
            // dragged card itself, which moves nothing.
            var from = (await photos.Nth(2).BoundingBoxAsync())!;
            var over = (await photos.Nth(1).BoundingBoxAsync())!;
            await page.Mouse.MoveAsync(from.X + 40, from.Y + 40);
            await page.Mouse.DownAsync();
            await page.Mouse.MoveAsync(over.X + 20, over.Y + 80, new() { Steps = 8 });
            await Expect(page.Locator(".drop-indicator")).ToBeVisibleAsync();
            await ShootAsync(page, $"album-drag-{sizeName}.png", copies);
            await page.Mouse.MoveAsync(from.X + 40, from.Y + 40, new() { Steps = 8 });
            await page.Mouse.UpAsync();
            await Expect(page.Locator(".drop-indicator")).ToBeHiddenAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Add my photos" }).ClickAsync();
        var picker = page.GetByRole(AriaRole.Dialog, new() { Name = "Add my photos" });
        await Expect(picker.Locator(".pick").First).ToBeVisibleAsync();
        await Expect(picker.Locator(".pick input:disabled")).ToHaveCountAsync(album.PhotoCount);
        await picker.Locator(".pick input:not(:disabled)").First.CheckAsync();
        await ShootAsync(page, $"album-add-{sizeName}.png", copies);
        await picker.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(picker).ToHaveCountAsync(0);
    }

    /// <summary>An album of the owner of <paramref name="token"/> made through the API, holding <paramref name="photos"/>.</summary>
    private async Task<AlbumDto> CreateAlbumThroughApiAsync(string token, string title, string? description, IReadOnlyList<Guid> photos, Guid? cover = null)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/albums")
        {
            Content = JsonContent.Create(new AlbumCreateRequest(title, description), ContractsJsonContext.Default.AlbumCreateRequest),
        };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await _web.Http.SendAsync(create, cancellationToken);
        created.EnsureSuccessStatusCode();
        var album = (await created.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, cancellationToken))!;
        foreach (var photo in photos)
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, $"/api/albums/{album.Id}/photos/{photo}");
            put.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var added = await _web.Http.SendAsync(put, cancellationToken);
            added.EnsureSuccessStatusCode();
        }

        using var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/albums/{album.Id}")
        {
            Content = JsonContent.Create(new AlbumPatchRequest(CoverPhotoId: cover ?? Guid.Empty), ContractsJsonContext.Default.AlbumPatchRequest),
        };
        patch.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var patched = await _web.Http.SendAsync(patch, cancellationToken);
        patched.EnsureSuccessStatusCode();
        return (await patched.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, cancellationToken))!;
    }

    /// <summary>Makes <paramref name="context"/> a new owner (its sb_owner cookie) and returns the owner token.</summary>
    private async Task<string> SignInAsync(IBrowserContext context)
    {
        var token = await Testing.ScrapbookClient.NewOwnerTokenAsync(_web.Http, TestContext.Current.CancellationToken);
        await context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "sb_owner", Value = token, Url = _web.System.GatewayUrl.ToString() }]);
        return token;
    }

    /// <summary>An album made through the API with the browser's own session (as a second tab of the owner would).</summary>
    private static async Task<AlbumDto> CreateAlbumAsync(IBrowserContext context, string title, string? description, params Guid[] photos)
    {
        var created = await context.APIRequest.PostAsync("/api/albums", new() { DataObject = new { title, description } });
        Assert.Equal((int)HttpStatusCode.Created, created.Status);
        var album = JsonSerializer.Deserialize(await created.TextAsync(), ContractsJsonContext.Default.AlbumDto)!;
        foreach (var photo in photos)
        {
            var added = await context.APIRequest.PutAsync($"/api/albums/{album.Id}/photos/{photo}");
            Assert.Equal((int)HttpStatusCode.NoContent, added.Status);
        }

        return album;
    }

    /// <summary>The album's photo ids in its order, as the API gives them to the browser's owner.</summary>
    private static async Task<string[]> AlbumPhotoIdsAsync(IBrowserContext context, string albumId)
    {
        var response = await context.APIRequest.GetAsync($"/api/albums/{albumId}/photos?limit=100");
        Assert.Equal((int)HttpStatusCode.OK, response.Status);
        var page = JsonSerializer.Deserialize(await response.TextAsync(), ContractsJsonContext.Default.PhotoPage)!;
        return [.. page.Items.Select(photo => photo.Id.ToString())];
    }

    /// <summary>The page shows a move at once and sends it after: wait (bounded) until the server has the same order.</summary>
    private static async Task ExpectServerOrderAsync(IBrowserContext context, string albumId, params string[] expected)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        var actual = await AlbumPhotoIdsAsync(context, albumId);
        while (!actual.SequenceEqual(expected) && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            actual = await AlbumPhotoIdsAsync(context, albumId);
        }

        Assert.Equal(expected, actual);
    }

    private static async Task ExpectShownOrderAsync(IPage page, params string[] expected)
    {
        var cards = page.Locator(".album-photo");
        await Expect(cards).ToHaveCountAsync(expected.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            await Expect(cards.Nth(i)).ToHaveAttributeAsync("data-photo-id", expected[i]);
        }
    }
}
