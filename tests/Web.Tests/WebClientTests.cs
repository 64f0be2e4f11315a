using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SkiaSharp;
using static Microsoft.Playwright.Assertions;

namespace Scrapbook.Web.Tests;

/// <summary>The web client in Chromium against the whole system started through the AppHost model.</summary>
public sealed partial class WebClientTests : IClassFixture<WebFixture>
{
    /// <summary>Processing runs through a queue and a worker on a shared, loaded machine: generous but bounded.</summary>
    private const float ProcessingTimeout = 90_000;

    private readonly WebFixture _web;

    public WebClientTests(WebFixture web)
    {
        _web = web;
        SetDefaultExpectTimeout(30_000);
    }

    [Fact]
    public async Task APhotoUploadedInOneBrowserAppearsOnAnotherBrowsersWallWithoutAReload()
    {
        await using var uploader = await _web.NewContextAsync();
        await using var viewer = await _web.NewContextAsync();
        var watch = new ConsoleWatch(viewer);
        var wall = await viewer.NewPageAsync();
        await OpenWallAsync(wall);
        await wall.EvaluateAsync("() => { window.__sameDocument = true; }");

        var caption = WebFixture.Unique("Arrives live");
        var id = await UploadThroughPageAsync(await uploader.NewPageAsync(), await _web.MakeImageAsync(caption, 20), "live.jpg", caption, "Ada");

        var tile = wall.Locator($".tile[data-photo-id='{id}']");
        await Expect(tile).ToBeVisibleAsync(new() { Timeout = ProcessingTimeout });
        await Expect(tile).ToContainTextAsync(caption);
        await Expect(tile).ToContainTextAsync("Ada");
        await Expect(tile.Locator("img")).ToHaveAttributeAsync("alt", caption);
        await Expect(tile.Locator("img")).ToHaveAttributeAsync("srcset", new Regex(@"small\.webp 640w, .*large\.webp 1600w"));
        await Expect(tile.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        Assert.True(await wall.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the wall reloaded");
        Assert.Equal(id, await wall.Locator(".tile").First.GetAttributeAsync("data-photo-id"));
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task TwoPhotosDroppedTogetherEachShowTheirProgressReachAHundredPercentAndTurnReady()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");
        var caption = WebFixture.Unique("Dropped");
        await page.Locator("#caption").FillAsync(caption);
        await page.Locator("#author").FillAsync("Grace");
        var first = Convert.ToBase64String(await _web.MakeImageAsync(caption + " one", 200, 2400, 1600));
        var second = Convert.ToBase64String(await _web.MakeImageAsync(caption + " two", 250, 1600, 2400));

        // What a browser hands the page when files are dragged in from the desktop.
        var files = await page.EvaluateHandleAsync(
            """
            (files) => {
              const transfer = new DataTransfer();
              for (const [name, base64] of files) {
                const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, { type: 'image/jpeg' }));
              }
              return transfer;
            }
            """,
            new[] { new[] { "first.jpg", first }, new[] { "second.jpg", second } });
        await page.Locator(".dropzone").DispatchEventAsync("dragenter", new Dictionary<string, object> { ["dataTransfer"] = files });
        await Expect(page.Locator(".dropzone")).ToHaveClassAsync(new Regex(@"\bover\b"));
        await page.Locator(".dropzone").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = files });

        foreach (var name in new[] { "first.jpg", "second.jpg" })
        {
            var item = page.Locator(".upload-item").Filter(new() { HasText = name });
            await Expect(item.Locator("progress")).ToHaveAttributeAsync("value", "100");
            await Expect(item.Locator(".upload-percent")).ToHaveTextAsync("100%");
            await Expect(item).ToHaveAttributeAsync("data-photo-id", PhotoId());
            await Expect(item).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
            await Expect(item.Locator(".upload-state")).ToHaveTextAsync("Ready: it is on the wall");
        }

        await Expect(page.Locator(".dropzone")).Not.ToHaveClassAsync(new Regex(@"\bover\b"));
        // The author is remembered on this device for the next visit.
        await page.ReloadAsync();
        await Expect(page.Locator("#author")).ToHaveValueAsync("Grace");
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task AFileThatIsNotAnImageIsRefusedWithAMessageSayingSo()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");

        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload
        {
            Name = "notes.txt",
            MimeType = "text/plain",
            Buffer = "Shopping list: bread, milk, film for the camera."u8.ToArray(),
        });

        var item = page.Locator(".upload-item").Filter(new() { HasText = "notes.txt" });
        await Expect(item).ToHaveAttributeAsync("data-state", "error");
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("not an image we can take");
        // Sending the same file again cannot help, so there is nothing to retry.
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "upload-not-an-image-desktop.png") });
        Assert.Empty(watch.ErrorsExceptStatuses(415));
    }

    [Fact]
    public async Task AnImageThatFailsProcessingSaysWhyOnUploadAndOnMineAndStaysOffTheWall()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");

        // Its header and chunk layout are sound, so the upload is accepted; its pixel data ends halfway, so the worker fails it.
        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = "half.png", MimeType = "image/png", Buffer = PngWithPixelDataCutShort(320, 240) });

        var item = page.Locator(".upload-item").Filter(new() { HasText = "half.png" });
        await Expect(item).ToHaveAttributeAsync("data-photo-id", PhotoId());
        var id = (await item.GetAttributeAsync("data-photo-id"))!;
        await Expect(item).ToHaveAttributeAsync("data-state", "failed", new() { Timeout = ProcessingTimeout });
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("Processing failed");
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("cannot be decoded");

        await page.GotoAsync("/mine");
        var card = page.Locator($".card[data-photo-id='{id}']");
        await Expect(card).ToHaveAttributeAsync("data-state", "failed");
        await Expect(card.Locator(".pill")).ToHaveTextAsync("Failed");
        await Expect(card.Locator(".card-detail")).ToContainTextAsync("cannot be decoded");

        await OpenWallAsync(page);
        await Expect(page.Locator($".tile[data-photo-id='{id}']")).ToHaveCountAsync(0);
        Assert.Empty(watch.Errors);
    }

    /// <summary>An RGB PNG whose IDAT holds only the first half of its zlib stream; IEND and every CRC are in place.</summary>
    private static byte[] PngWithPixelDataCutShort(int width, int height)
    {
        var rows = new byte[height * ((width * 3) + 1)];
        Random.Shared.NextBytes(rows); // noise does not compress, so half the stream is half the rows
        for (var y = 0; y < height; y++)
        {
            rows[y * ((width * 3) + 1)] = 0; // filter type None
        }

        using var deflated = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(deflated, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(rows);
        }

        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", deflated.ToArray().AsSpan(0, (int)deflated.Length / 2));
        WriteChunk(png, "IEND", []);
        return png.ToArray();

        static void WriteChunk(Stream stream, string type, ReadOnlySpan<byte> data)
        {
            var chunk = new byte[8 + data.Length + 4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(chunk, data.Length);
            System.Text.Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
            data.CopyTo(chunk.AsSpan(8));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + data.Length), Crc32(chunk.AsSpan(4, 4 + data.Length)));
            stream.Write(chunk);
        }

        static uint Crc32(ReadOnlySpan<byte> bytes)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in bytes)
            {
                crc ^= b;
                for (var bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
                }
            }

            return ~crc;
        }
    }

    [Fact]
    public async Task AnOwnerOverTheUploadRateLimitIsToldToSlowDownWithTheWaitAndCanRetry()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var session = await context.APIRequest.PostAsync("/api/session");
        Assert.Equal((int)HttpStatusCode.OK, session.Status);

        // Use up this owner's uploads for the window with bodies Upload.Api refuses (415), so no photo is made: the
        // gateway counts every upload request before it is forwarded.
        var statuses = new List<int>();
        for (var i = 0; i < 100 && !statuses.Contains((int)HttpStatusCode.TooManyRequests); i++)
        {
            var refused = await context.APIRequest.PostAsync("/api/uploads", new()
            {
                Headers = new Dictionary<string, string> { ["Content-Type"] = "text/plain" },
                DataByte = "not a photo"u8.ToArray(),
            });
            statuses.Add(refused.Status);
        }

        Assert.Equal((int)HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.All(statuses[..^1], status => Assert.Equal((int)HttpStatusCode.UnsupportedMediaType, status));

        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");
        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = "eager.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync("Eager", 30, 320, 240) });

        var item = page.Locator(".upload-item").Filter(new() { HasText = "eager.jpg" });
        await Expect(item).ToHaveAttributeAsync("data-state", "error");
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("Slow down");
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync(new Regex(@"Try again in \d+ s\."));
        await Expect(item.GetByRole(AriaRole.Button, new() { Name = "Retry" })).ToBeVisibleAsync();
        Assert.Empty(watch.ErrorsExceptStatuses(429));
    }

    [Fact]
    public async Task AFileOverTheSizeLimitIsRefusedWithAMessageSayingItIsTooLarge()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");

        // 52 MiB made in the page itself (nothing that large crosses the test's wire), dropped like a file from disk.
        var files = await page.EvaluateHandleAsync(
            """
            () => {
              const transfer = new DataTransfer();
              transfer.items.add(new File([new Uint8Array(52 * 1024 * 1024)], 'huge.jpg', { type: 'image/jpeg' }));
              return transfer;
            }
            """);
        await page.Locator(".dropzone").DispatchEventAsync("drop", new Dictionary<string, object> { ["dataTransfer"] = files });

        var item = page.Locator(".upload-item").Filter(new() { HasText = "huge.jpg" });
        await Expect(item).ToHaveAttributeAsync("data-state", "error", new() { Timeout = 60_000 });
        await Expect(item.GetByRole(AriaRole.Alert)).ToContainTextAsync("too large");
        await Expect(item.Locator(".upload-size")).ToHaveTextAsync("52 MB");
        // Chromium logs the refused request itself (the 413, or the connection the server closed early).
        Assert.DoesNotContain(watch.Errors, e => !e.Contains("status of 413", StringComparison.Ordinal) && !e.Contains("net::ERR_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUploadWhileUploadsAreClosedSaysSoAndItsRetrySucceedsOnceTheyReopen()
    {
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/upload");
        var caption = WebFixture.Unique("Closed");
        var image = await _web.MakeImageAsync(caption, 300);

        await _web.SetSettingsAsync(uploadsOpen: false, moderation: "off");
        try
        {
            await page.Locator("#caption").FillAsync(caption);
            await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = "closed.jpg", MimeType = "image/jpeg", Buffer = image });
            var item = page.Locator(".upload-item").Filter(new() { HasText = "closed.jpg" });
            await Expect(item).ToHaveAttributeAsync("data-state", "error");
            await Expect(item.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Uploads are closed right now. Please try again later.");
            await Expect(page.Locator(".notice")).ToContainTextAsync("Uploads are closed");
            await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "upload-closed-desktop.png") });

            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
            await item.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
            await Expect(item).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
        }
        finally
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
        }

        Assert.Empty(watch.ErrorsExceptStatuses(403));
    }

    [Fact]
    public async Task TheOwnerEditsAndDeletesOnMineWhileAnotherBrowserHasNoControlsAndIsRefusedByTheApi()
    {
        await using var owner = await _web.NewContextAsync();
        await using var stranger = await _web.NewContextAsync();
        var ownerWatch = new ConsoleWatch(owner);
        var strangerWatch = new ConsoleWatch(stranger);
        var caption = WebFixture.Unique("Before edit");
        var ownerPage = await owner.NewPageAsync();
        var id = await UploadThroughPageAsync(ownerPage, await _web.MakeImageAsync(caption, 120), "mine.jpg", caption, "Lin");
        await Expect(ownerPage.Locator($".upload-item[data-photo-id='{id}']")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });

        var strangerWall = await stranger.NewPageAsync();
        await OpenWallAsync(strangerWall);
        var strangerTile = strangerWall.Locator($".tile[data-photo-id='{id}']");
        await Expect(strangerTile).ToBeVisibleAsync();

        // The owner edits on /mine; the stranger's wall follows live.
        await ownerPage.GotoAsync("/mine");
        var card = ownerPage.Locator($".card[data-photo-id='{id}']");
        await Expect(card).ToContainTextAsync(caption);
        await Expect(card.Locator(".pill")).ToHaveTextAsync("On the wall");
        await card.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Edit") }).ClickAsync();
        var dialog = ownerPage.GetByRole(AriaRole.Dialog, new() { Name = "Edit photo" });
        var edited = WebFixture.Unique("After edit");
        await dialog.GetByLabel("Caption").FillAsync(edited);
        await dialog.GetByLabel("Author").FillAsync("Lin K.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(card).ToContainTextAsync(edited);
        await Expect(strangerTile).ToContainTextAsync(edited);
        await Expect(strangerTile).ToContainTextAsync("Lin K.");

        // The stranger: no controls on the wall or the viewer, not on their /mine, and the API says no.
        await Expect(strangerTile.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Edit") })).ToHaveCountAsync(0);
        await Expect(strangerTile.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Delete") })).ToHaveCountAsync(0);
        await strangerTile.Locator(".tile-button").ClickAsync();
        var viewer = strangerWall.Locator("dialog.viewer");
        await Expect(viewer).ToHaveAttributeAsync("data-photo-id", id);
        await Expect(viewer.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Delete") })).ToHaveCountAsync(0);
        await Expect(viewer.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Edit") })).ToHaveCountAsync(0);
        await strangerWall.Keyboard.PressAsync("Escape");
        await Expect(viewer).ToHaveCountAsync(0);
        var strangerMine = await stranger.NewPageAsync();
        await strangerMine.GotoAsync("/mine");
        await Expect(strangerMine.Locator(".mine .empty")).ToBeVisibleAsync();
        await Expect(strangerMine.Locator($".card[data-photo-id='{id}']")).ToHaveCountAsync(0);
        var patch = await stranger.APIRequest.PatchAsync($"/api/photos/{id}", new() { DataObject = new { caption = "hijacked" } });
        var delete = await stranger.APIRequest.DeleteAsync($"/api/photos/{id}");
        Assert.Equal((int)HttpStatusCode.Forbidden, patch.Status);
        Assert.Equal((int)HttpStatusCode.Forbidden, delete.Status);

        // The owner deletes, after confirming; the stranger's wall drops it live.
        await card.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Delete") }).ClickAsync();
        var confirm = ownerPage.GetByRole(AriaRole.Dialog, new() { Name = "Delete this photo?" });
        await confirm.GetByRole(AriaRole.Button, new() { NameRegex = StartsWithWord("Delete") }).ClickAsync();
        await Expect(card).ToHaveCountAsync(0);
        await Expect(strangerTile).ToHaveCountAsync(0);
        var gone = await owner.APIRequest.GetAsync($"/api/photos/{id}");
        Assert.Equal((int)HttpStatusCode.NotFound, gone.Status);
        Assert.Empty(ownerWatch.Errors);
        Assert.Empty(strangerWatch.ErrorsExceptStatuses(403));
    }

    [Fact]
    public async Task WithPreModerationANewUploadStaysOffTheWallUntilApprovedOnAdminAndThenAppearsLive()
    {
        await using var admin = await _web.NewContextAsync();
        await using var uploader = await _web.NewContextAsync();
        await using var viewer = await _web.NewContextAsync();
        var watch = new ConsoleWatch(admin);
        var adminPage = await admin.NewPageAsync();
        try
        {
            await SignInAsAdminAsync(adminPage);
            await adminPage.GetByLabel("Approve first").CheckAsync();
            await Expect(adminPage.Locator(".toast").Last).ToContainTextAsync("moderation approve first");
            Assert.Equal("pre", (await _web.GetSettingsAsync()).Moderation);

            var wall = await viewer.NewPageAsync();
            await OpenWallAsync(wall);
            var caption = WebFixture.Unique("Needs approval");
            var uploadPage = await uploader.NewPageAsync();
            var id = await UploadThroughPageAsync(uploadPage, await _web.MakeImageAsync(caption, 260), "moderated.jpg", caption, "Mo");
            var item = uploadPage.Locator($".upload-item[data-photo-id='{id}']");
            await Expect(item).ToHaveAttributeAsync("data-state", "pending", new() { Timeout = ProcessingTimeout });
            await Expect(item.Locator(".upload-state")).ToContainTextAsync("waiting for a moderator");
            var minePage = await uploader.NewPageAsync();
            await minePage.GotoAsync("/mine");
            var mine = minePage.Locator($".card[data-photo-id='{id}']");
            await Expect(mine.Locator(".pill")).ToHaveTextAsync("Awaiting approval");
            await Expect(minePage.Locator("#live")).ToHaveAttributeAsync("data-state", "live");

            // Processed and waiting: on the admin's queue with its preview, nowhere on the wall.
            var queued = adminPage.Locator($".queue .card[data-photo-id='{id}']");
            await Expect(queued).ToBeVisibleAsync();
            await Expect(queued.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
            await Expect(queued).ToContainTextAsync(caption);
            await Expect(wall.Locator($".tile[data-photo-id='{id}']")).ToHaveCountAsync(0);
            var publicList = await _web.Http.GetStringAsync("/api/photos?limit=100", TestContext.Current.CancellationToken);
            Assert.DoesNotContain(id, publicList, StringComparison.Ordinal);

            await queued.GetByRole(AriaRole.Button, new() { Name = $"Approve {caption}" }).ClickAsync();
            await Expect(queued).ToHaveCountAsync(0);
            await Expect(wall.Locator($".tile[data-photo-id='{id}']")).ToBeVisibleAsync();
            await Expect(item).ToHaveAttributeAsync("data-state", "ready");
            await Expect(mine.Locator(".pill")).ToHaveTextAsync("On the wall");

            // The admin may take down anyone's photo: it leaves the wall and its owner's list, live.
            var onWall = adminPage.Locator($".cards.compact .card[data-photo-id='{id}']");
            await onWall.GetByRole(AriaRole.Button, new() { Name = $"Delete {caption}" }).ClickAsync();
            await adminPage.GetByRole(AriaRole.Dialog, new() { Name = "Delete this photo?" }).GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
            await Expect(onWall).ToHaveCountAsync(0);
            await Expect(wall.Locator($".tile[data-photo-id='{id}']")).ToHaveCountAsync(0);
            await Expect(mine).ToHaveCountAsync(0);

            // And the uploads switch closes and reopens uploads.
            var uploadsSwitch = adminPage.GetByRole(AriaRole.Switch, new() { Name = "Uploads open" });
            await adminPage.Locator("label.switch").ClickAsync();
            await Expect(uploadsSwitch).Not.ToBeCheckedAsync();
            await Expect(adminPage.Locator(".stat").Filter(new() { HasText = "Uploads" }).Locator("dd")).ToHaveTextAsync("Closed");
            Assert.False((await _web.GetSettingsAsync()).UploadsOpen);
            await adminPage.Locator("label.switch").ClickAsync();
            await Expect(uploadsSwitch).ToBeCheckedAsync();
            await Expect(adminPage.Locator(".stat").Filter(new() { HasText = "Uploads" }).Locator("dd")).ToHaveTextAsync("Open");
            Assert.True((await _web.GetSettingsAsync()).UploadsOpen);
        }
        finally
        {
            await _web.SetSettingsAsync(uploadsOpen: true, moderation: "off");
        }

        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task ProjectorModeJumpsToANewArrival()
    {
        await using var projector = await _web.NewContextAsync(1920, 1080);
        await using var uploader = await _web.NewContextAsync();
        var watch = new ConsoleWatch(projector);
        var page = await projector.NewPageAsync();
        await OpenWallAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Projector" }).ClickAsync();
        var show = page.Locator(".projector");
        await Expect(show).ToBeVisibleAsync();
        Assert.EndsWith("/projector", page.Url, StringComparison.Ordinal);

        var caption = WebFixture.Unique("Projected");
        var id = await UploadThroughPageAsync(await uploader.NewPageAsync(), await _web.MakeImageAsync(caption, 40), "projector.jpg", caption, "Pat");

        await Expect(show).ToHaveAttributeAsync("data-current", id, new() { Timeout = ProcessingTimeout });
        await Expect(show.Locator(".projector-caption")).ToHaveTextAsync(caption);
        await Expect(show.Locator(".projector-badge")).ToBeVisibleAsync();
        await Expect(show.Locator(".projector-slide.visible img")).ToHaveAttributeAsync("alt", caption);
        await page.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "projector-arrival-1920.png") });

        await page.Keyboard.PressAsync("Escape");
        await Expect(show).ToHaveCountAsync(0);
        await Expect(page).ToHaveURLAsync(new Regex("/$"));
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task TheProjectorRecoversFromANetworkLossByItselfAndShowsWhatArrivedMeanwhile()
    {
        await using var projector = await _web.NewContextAsync(1920, 1080);
        var watch = new ConsoleWatch(projector);
        var page = await projector.NewPageAsync();
        await page.GotoAsync("/projector");
        var show = page.Locator(".projector");
        await Expect(show).ToBeVisibleAsync();
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");

        await projector.SetOfflineAsync(true);
        await Expect(page.Locator("#live")).Not.ToHaveAttributeAsync("data-state", "live");
        var token = await Testing.ScrapbookClient.NewOwnerTokenAsync(_web.Http, TestContext.Current.CancellationToken);
        var caption = WebFixture.Unique("While offline");
        var photo = await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync(caption, 160), caption, "Nic");
        await Expect(show).Not.ToHaveAttributeAsync("data-current", photo.Id.ToString());
        await projector.SetOfflineAsync(false);

        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 60_000 });
        await Expect(show).ToHaveAttributeAsync("data-current", photo.Id.ToString(), new() { Timeout = 60_000 });
        await Expect(show.Locator(".projector-caption")).ToHaveTextAsync(caption);
        // Chromium reports the requests that failed while offline; nothing else may show up.
        Assert.DoesNotContain(watch.Errors, e => !e.Contains("ERR_INTERNET_DISCONNECTED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheWallLoadsOlderPhotosPageByPageAsItIsScrolledUntilItShowsEveryPhotoNewestFirst()
    {
        // A phone asks for a dozen photos a page: with 26 or more on the wall, scrolling has to fetch at least twice.
        var existing = await PublicPhotoIdsAsync();
        if (existing.Count < 26)
        {
            var token = await Testing.ScrapbookClient.NewOwnerTokenAsync(_web.Http, TestContext.Current.CancellationToken);
            var images = await Task.WhenAll(Enumerable.Range(0, 26 - existing.Count).Select(i => _web.MakeImageAsync($"Older {i}", i * 29)));
            await Task.WhenAll(images.Select((image, i) => _web.UploadThroughApiAsync(token, image, $"Scrolled {i}", "Kim")));
        }

        var expected = await PublicPhotoIdsAsync();
        await using var context = await _web.NewContextAsync(390, 844, phone: true);
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await OpenWallAsync(page);
        var tiles = page.Locator(".tile");
        await Expect(tiles).Not.ToHaveCountAsync(0);
        Assert.True(await tiles.CountAsync() < expected.Count, "the first screen should not have fetched every photo");

        var status = page.Locator(".wall-status");
        for (var round = 0; round < 20 && !(await status.TextContentAsync() ?? "").StartsWith("That is every photo", StringComparison.Ordinal); round++)
        {
            var shown = await tiles.CountAsync();
            await page.EvaluateAsync("() => window.scrollTo(0, document.documentElement.scrollHeight)");
            try
            {
                await page.WaitForFunctionAsync(
                    "shown => document.querySelectorAll('.tile').length > shown || document.querySelector('.wall-status').textContent.startsWith('That is every photo')",
                    shown);
            }
            catch (TimeoutException)
            {
                // Seen once in a full run (not alone): say what the page was doing, for whoever meets it next.
                var state = await page.EvaluateAsync<string>(
                    "() => { const s = document.querySelector('.sentinel').getBoundingClientRect(); return `tiles ${document.querySelectorAll('.tile').length}, status '${document.querySelector('.wall-status').textContent}', sentinel top ${Math.round(s.top)} of ${innerHeight}, scrollY ${Math.round(scrollY)} of ${document.documentElement.scrollHeight}`; }");
                Assert.Fail($"Round {round}: scrolling to the end fetched nothing more ({shown} shown of {expected.Count}); {state}; console: {string.Join(" | ", watch.Errors)}");
            }
        }

        await Expect(status).ToHaveTextAsync("That is every photo. New ones will appear at the top.");
        var shownIds = await tiles.EvaluateAllAsync<string[]>("tiles => tiles.map(t => t.dataset.photoId)");
        Assert.Equal(expected, shownIds);
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task ThePagesThumbHashDecoderDrawsThePlaceholderTheServerEncodedInTheImagesColours()
    {
        // Red on the left, blue on the right: the decoded placeholder must keep both the colours and their places.
        var image = await _web.DrawJpegAsync(
            "(g, w, h) => { g.fillStyle = 'rgb(220,40,40)'; g.fillRect(0, 0, w / 2, h); g.fillStyle = 'rgb(40,80,220)'; g.fillRect(w / 2, 0, w / 2, h); }",
            400,
            300);
        var token = await Testing.ScrapbookClient.NewOwnerTokenAsync(_web.Http, TestContext.Current.CancellationToken);
        var photo = await _web.UploadThroughApiAsync(token, image, WebFixture.Unique("Red and blue"), "Tess");
        Assert.False(string.IsNullOrEmpty(photo.Placeholder));

        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        await OpenWallAsync(page);
        var decoded = await page.EvaluateAsync<DecodedPlaceholder>(
            """
            async ([hash, w, h]) => {
              const { decodeBase64, thumbHashToRgba } = await import('/js/thumbhash.js');
              const image = thumbHashToRgba(decodeBase64(hash), w, h);
              const average = (x0, x1) => {
                const sum = [0, 0, 0];
                let n = 0;
                for (let y = 0; y < image.height; y++) {
                  for (let x = x0; x < x1; x++) {
                    for (let c = 0; c < 3; c++) sum[c] += image.rgba[(y * image.width + x) * 4 + c];
                    n++;
                  }
                }
                return sum.map((v) => Math.round(v / n));
              };
              const quarter = Math.floor(image.width / 4);
              return { width: image.width, height: image.height, left: average(0, quarter), right: average(image.width - quarter, image.width) };
            }
            """,
            new object[] { photo.Placeholder!, photo.Width, photo.Height });

        Assert.Equal((32, 24), (decoded.Width, decoded.Height));
        Assert.True(decoded.Left[0] > 150 && decoded.Left[2] < 110, $"left quarter should be red, was rgb({string.Join(',', decoded.Left)})");
        Assert.True(decoded.Right[2] > 150 && decoded.Right[0] < 110, $"right quarter should be blue, was rgb({string.Join(',', decoded.Right)})");
        var frame = page.Locator($".tile[data-photo-id='{photo.Id}'] .frame");
        await Expect(frame).ToHaveCSSAsync("background-image", new Regex(@"^url\(""data:image/png;base64,"));
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task ATransparentPngOnTheWallShowsTheTilesDarkBackgroundThroughItsClearHalfAndNoMatte()
    {
        // Left half bright orange, right half never painted, so alpha 0. Square, so the tile's cover crop keeps both halves.
        var png = await _web.DrawPngAsync("(g, w, h) => { g.fillStyle = 'rgb(255,150,30)'; g.fillRect(0, 0, w / 2, h); }", 600, 600);
        await using var context = await _web.NewContextAsync();
        var watch = new ConsoleWatch(context);
        var page = await context.NewPageAsync();
        var id = await UploadThroughPageAsync(page, png, "half-clear.png", WebFixture.Unique("Half clear"), "Ines", mimeType: "image/png");
        await Expect(page.Locator(".upload-item").Filter(new() { HasText = "half-clear.png" })).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });

        await OpenWallAsync(page);
        var tile = page.Locator($".tile[data-photo-id='{id}']");
        await Expect(tile.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
        Assert.EndsWith(".webp", await tile.Locator("img").EvaluateAsync<string>("(img) => new URL(img.currentSrc).pathname"), StringComparison.Ordinal);
        // Loaded is not yet painted: wait for the decode, then two frames.
        await tile.Locator("img").EvaluateAsync("(img) => img.decode()");
        await page.EvaluateAsync("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
        var background = ParseRgb(await tile.EvaluateAsync<string>("(tile) => getComputedStyle(tile).backgroundColor"));
        using var shot = SKBitmap.Decode(await tile.ScreenshotAsync(new() { Path = Path.Combine(WebFixture.ScreenshotDirectory, "wall-transparent-png.png") }));

        // Across each half, along a row clear of the rounded corners and of the caption's gradient along the bottom.
        Assert.True(background.R < 64 && background.G < 64 && background.B < 64, $"the tile's background rgb{background} is not dark");
        foreach (var across in new[] { 0.1, 0.25, 0.4, 0.6, 0.75, 0.9 })
        {
            var seen = MeanColour(shot, (int)(shot.Width * across), shot.Height / 4);
            var (expected, what) = across < 0.5 ? ((255d, 150d, 30d), "the orange") : (background, "the tile's background");
            Assert.True(IsNear(seen, expected, 8), $"{across:P0} across, the tile shows rgb{seen}, expected {what} rgb{expected}");
        }

        Assert.Empty(watch.Errors);

        static (double R, double G, double B) MeanColour(SKBitmap bitmap, int centreX, int centreY)
        {
            double r = 0, g = 0, b = 0;
            var count = 0;
            for (var y = centreY - 5; y <= centreY + 5; y++)
            {
                for (var x = centreX - 5; x <= centreX + 5; x++)
                {
                    var pixel = bitmap.GetPixel(x, y);
                    (r, g, b, count) = (r + pixel.Red, g + pixel.Green, b + pixel.Blue, count + 1);
                }
            }

            return (Math.Round(r / count, 1), Math.Round(g / count, 1), Math.Round(b / count, 1));
        }

        static bool IsNear((double R, double G, double B) actual, (double R, double G, double B) expected, double tolerance) =>
            Math.Abs(actual.R - expected.R) <= tolerance && Math.Abs(actual.G - expected.G) <= tolerance && Math.Abs(actual.B - expected.B) <= tolerance;

        static (double R, double G, double B) ParseRgb(string css)
        {
            var channels = Regex.Match(css, @"^rgb\((\d+), (\d+), (\d+)\)$");
            Assert.True(channels.Success, $"the tile's background is '{css}', not an opaque rgb()");
            return (int.Parse(channels.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(channels.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(channels.Groups[3].Value, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task EveryPageRendersWithoutConsoleErrorsAtPhoneAndDesktopSizesAndIsScreenshot()
    {
        // A wall worth looking at: photos of one owner (whose /mine the screenshots show), in several colours.
        var token = await Testing.ScrapbookClient.NewOwnerTokenAsync(_web.Http, TestContext.Current.CancellationToken);
        string[] captions = ["Sunrise over the harbour", "Team photo, take two", "The cake before it vanished", "Dancing until late", "Quiet corner", "Confetti!"];
        var photos = new List<Contracts.PhotoDto>();
        for (var i = 0; i < captions.Length; i++)
        {
            photos.Add(await _web.UploadThroughApiAsync(token, await _web.MakeImageAsync(captions[i], 30 + (i * 55)), captions[i], i % 2 == 0 ? "Sam" : "Alex"));
        }

        // Albums of that owner: one with photos and a chosen cover, one still empty.
        await CreateAlbumThroughApiAsync(token, "Ideas for next time", null, []);
        var album = await CreateAlbumThroughApiAsync(
            token,
            "Summer party at the harbour",
            "The whole evening, from the first guests to the last dance.",
            [.. photos.Take(4).Select(photo => photo.Id)],
            cover: photos[2].Id);

        var copies = Path.Combine(Path.GetTempPath(), "web-screenshots");
        Directory.CreateDirectory(copies);
        (string Name, int Width, int Height, bool Phone)[] sizes = [("phone", 390, 844, true), ("desktop", 1440, 900, false)];
        foreach (var (sizeName, width, height, phone) in sizes)
        {
            await using var context = await _web.NewContextAsync(width, height, phone);
            await context.AddCookiesAsync([new Microsoft.Playwright.Cookie { Name = "sb_owner", Value = token, Url = _web.System.GatewayUrl.ToString() }]);
            var watch = new ConsoleWatch(context);
            var page = await context.NewPageAsync();

            await OpenWallAsync(page);
            await Expect(page.Locator(".tile img.loaded").First).ToBeVisibleAsync();
            await Expect(page.Locator(".tile")).Not.ToHaveCountAsync(0);
            await ShootAsync(page, $"wall-{sizeName}.png", copies);

            await page.Locator(".tile-button").First.ClickAsync();
            await Expect(page.Locator("dialog.viewer .viewer-image")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
            if (phone)
            {
                // A swipe to the left shows the next (older) photo.
                var stage = (await page.Locator("dialog.viewer .viewer-stage").BoundingBoxAsync())!;
                var y = stage.Y + (stage.Height / 2);
                await page.Mouse.MoveAsync(stage.X + (stage.Width * 0.8f), y);
                await page.Mouse.DownAsync();
                await page.Mouse.MoveAsync(stage.X + (stage.Width * 0.2f), y, new() { Steps = 5 });
                await page.Mouse.UpAsync();
            }
            else
            {
                await page.Keyboard.PressAsync("ArrowRight");
            }

            await Expect(page.Locator("dialog.viewer .viewer-position")).ToContainTextAsync("2 of");
            await Expect(page.Locator("dialog.viewer .viewer-image")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
            await ShootAsync(page, $"viewer-{sizeName}.png", copies);
            await page.Keyboard.PressAsync("Escape");

            await page.GetByRole(AriaRole.Button, new() { Name = "Projector" }).ClickAsync();
            await Expect(page.Locator(".projector-slide.visible img.loaded")).ToBeVisibleAsync();
            await ShootAsync(page, $"projector-{sizeName}.png", copies);
            await page.Keyboard.PressAsync("Escape");

            await page.GotoAsync("/upload");
            await page.Locator("#caption").FillAsync("Our table at the party");
            await page.Locator("#author").FillAsync("Sam");
            await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = $"party-{sizeName}.jpg", MimeType = "image/jpeg", Buffer = await _web.MakeImageAsync(WebFixture.Unique("Party"), 330) });
            await Expect(page.Locator(".upload-item").First).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = ProcessingTimeout });
            await ShootAsync(page, $"upload-{sizeName}.png", copies);

            await page.GotoAsync("/mine");
            await Expect(page.Locator(".card")).Not.ToHaveCountAsync(0);
            await Expect(page.Locator(".card").First.Locator("img")).ToHaveClassAsync(new Regex(@"\bloaded\b"));
            await ShootAsync(page, $"mine-{sizeName}.png", copies);

            await ShootAlbumPagesAsync(page, sizeName, album, phone, copies);

            await page.GotoAsync("/admin");
            await ShootAsync(page, $"admin-signin-{sizeName}.png", copies);
            await SignInAsAdminAsync(page);
            await Expect(page.Locator(".admin .cards.compact .card").First).ToBeVisibleAsync();
            await Expect(page.Locator(".stat").Filter(new() { HasText = "Photos" }).Locator("dd")).ToHaveTextAsync(new Regex(@"^[1-9]\d*$"));
            await ShootAsync(page, $"admin-{sizeName}.png", copies);

            // The projector has its own address too, for a screen that should open straight into it.
            await page.GotoAsync("/projector");
            await Expect(page.Locator(".projector-slide.visible img.loaded")).ToBeVisibleAsync();
            Assert.Empty(watch.Errors);
        }
    }

    /// <summary>Every public photo's id, newest first, paging through the API.</summary>
    private async Task<List<string>> PublicPhotoIdsAsync()
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _web.Http.GetFromJsonAsync(
                "/api/photos?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)),
                Contracts.ContractsJsonContext.Default.PhotoPage,
                TestContext.Current.CancellationToken);
            ids.AddRange(page!.Items.Select(p => p.Id.ToString()));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return ids;
    }

    private static async Task ShootAsync(IPage page, string name, string copies)
    {
        // Images in view are decoded off the main thread: a screenshot taken right after "load" may still show the
        // placeholder. Wait (at most 10 s) until each one in the viewport has finished loading and decoding.
        await page.EvaluateAsync(
            """
            () => Promise.race([
              Promise.all([...document.images]
                .filter((i) => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight && r.width > 0; })
                .map((i) => (i.complete ? i.decode() : new Promise((resolve) => i.addEventListener('load', resolve, { once: true })).then(() => i.decode())).catch(() => {}))),
              new Promise((resolve) => setTimeout(resolve, 10000)),
            ])
            """);
        // And two frames more, so the last change (a class set, an image decoded) is painted before the picture is taken.
        await page.EvaluateAsync("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
        var path = Path.Combine(WebFixture.ScreenshotDirectory, name);
        await page.ScreenshotAsync(new() { Path = path, FullPage = false });
        File.Copy(path, Path.Combine(copies, name), overwrite: true);
    }

    private static async Task OpenWallAsync(IPage page)
    {
        await page.GotoAsync("/");
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
    }

    private async Task SignInAsAdminAsync(IPage page)
    {
        await page.GotoAsync("/admin");
        await page.GetByLabel("Admin key").FillAsync(_web.System.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Uploads open")).ToBeVisibleAsync();
    }

    /// <summary>
    /// Uploads one file on /upload (or the upload page at <paramref name="path"/>, opened unless it is open already) and
    /// returns the photo id the page learnt from the API's answer.
    /// </summary>
    private static async Task<string> UploadThroughPageAsync(IPage page, byte[] image, string fileName, string caption, string author, string path = "/upload", string mimeType = "image/jpeg")
    {
        if (!page.Url.EndsWith(path, StringComparison.Ordinal))
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
        }

        await page.Locator("#caption").FillAsync(caption);
        await page.Locator("#author").FillAsync(author);
        await page.Locator("#file-picker").SetInputFilesAsync(new FilePayload { Name = fileName, MimeType = mimeType, Buffer = image });
        var item = page.Locator(".upload-item").Filter(new() { HasText = fileName });
        await Expect(item).ToHaveAttributeAsync("data-photo-id", PhotoId());
        return (await item.GetAttributeAsync("data-photo-id"))!;
    }

    /// <summary>What the page's decoder made of a placeholder (filled in by Playwright, hence the setters).</summary>
    private sealed class DecodedPlaceholder
    {
        public int Width { get; set; }

        public int Height { get; set; }

        public int[] Left { get; set; } = [];

        public int[] Right { get; set; } = [];
    }

    private static Regex StartsWithWord(string word) => new($"^{word}\\b");

    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
    private static partial Regex PhotoId();
}
