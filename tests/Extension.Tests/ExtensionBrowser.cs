using System.Text.Json;
using Microsoft.Playwright;
using Scrapbook.Testing;

namespace Scrapbook.Extension.Tests;

/// <summary>A save as the extension records it in <c>chrome.storage.local</c> (clients/extension/lib/saves.js).</summary>
public sealed record ExtensionSave(
    string Key,
    string State,
    string? Via,
    string? Id,
    string? Reason,
    string? PageUrl,
    string? PageTitle,
    string? ImageUrl,
    string? Thumb,
    string? Server);

/// <summary>
/// Debian's Chromium, headless, with a fresh profile (a persistent context: extensions load only there) and the unpacked
/// extension loaded. Closing it ends that browser and deletes the profile.
/// </summary>
public sealed class ExtensionBrowser : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly TempDirectory _profile;

    private ExtensionBrowser(TempDirectory profile, IBrowserContext context, string extensionId)
    {
        _profile = profile;
        Context = context;
        ExtensionId = extensionId;
    }

    public IBrowserContext Context { get; }

    public string ExtensionId { get; }

    public string PageUrl(string page) => $"chrome-extension://{ExtensionId}/{page}";

    public static async Task<ExtensionBrowser> LaunchAsync(IPlaywright playwright, string extensionPath)
    {
        var profile = new TempDirectory("chromium-extension");
        IBrowserContext? context = null;
        try
        {
            context = await playwright.Chromium.LaunchPersistentContextAsync(profile.Path, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                // Playwright's headless is Chromium's own headless mode ("--headless", the new one since Chromium 132),
                // which runs extensions and their service workers like a headed browser.
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    $"--disable-extensions-except={extensionPath}", $"--load-extension={extensionPath}",
                    // Lets the tests press the extension's toolbar button over CDP (Extensions.triggerAction).
                    "--enable-unsafe-extension-debugging",
                ],
                // Playwright starts Chromium with --disable-extensions unless told not to.
                IgnoreDefaultArgs = ["--disable-extensions"],
                Timeout = 60_000,
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
                ReducedMotion = ReducedMotion.Reduce,
            });
            var worker = await WaitForServiceWorkerAsync(context, "chrome-extension://");
            return new ExtensionBrowser(profile, context, new Uri(worker.Url).Host);
        }
        catch
        {
            if (context is not null)
            {
                await context.CloseAsync();
            }

            profile.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="script"/> (a JavaScript function of one argument) in the extension's service worker.</summary>
    public async Task<T> InServiceWorkerAsync<T>(string script, object? arg = null)
    {
        var worker = await WaitForServiceWorkerAsync(Context, $"chrome-extension://{ExtensionId}/");
        return await worker.EvaluateAsync<T>(script, arg);
    }

    /// <summary>
    /// The context's service worker whose script is under <paramref name="urlPrefix"/>, once it runs (30 s at most).
    /// Playwright for .NET tracks service workers as its Node API does (<c>browserContext.serviceWorkers()</c>) but keeps
    /// the property internal to its context class, so it is read by name; a Playwright without it fails here, saying so.
    /// </summary>
    private static async Task<IWorker> WaitForServiceWorkerAsync(IBrowserContext context, string urlPrefix)
    {
        var property = context.GetType().GetProperty("ServiceWorkers")
            ?? throw new InvalidOperationException($"{context.GetType()} has no ServiceWorkers property: this Playwright does not track service workers.");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var workers = (IReadOnlyList<IWorker>)property.GetValue(context)!;
            if (workers.FirstOrDefault(w => w.Url.StartsWith(urlPrefix, StringComparison.Ordinal)) is { } worker)
            {
                return worker;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No service worker under {urlPrefix} within 30 s; running: {string.Join(", ", workers.Select(w => w.Url))}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>What the options page would store: the server, the owner token, the album saves go into.</summary>
    public Task ConfigureAsync(string server, string token, string? albumId = null, string? albumTitle = null) =>
        InServiceWorkerAsync<bool>(
            "async (settings) => { await chrome.storage.local.set({ settings }); return true; }",
            new Dictionary<string, string> { ["server"] = server, ["token"] = token, ["albumId"] = albumId ?? "", ["albumTitle"] = albumTitle ?? "" });

    public async Task<JsonElement> SettingsAsync() =>
        JsonDocument.Parse(await InServiceWorkerAsync<string>("async () => JSON.stringify((await chrome.storage.local.get('settings')).settings ?? {})")).RootElement;

    /// <summary>Every save recorded, newest first.</summary>
    public async Task<IReadOnlyList<ExtensionSave>> SavesAsync()
    {
        var json = await InServiceWorkerAsync<string>(
            """
            async () => JSON.stringify(Object.entries(await chrome.storage.local.get(null))
              .filter(([name]) => name.startsWith('save:')).map(([, save]) => save)
              .sort((a, b) => b.createdAt - a.createdAt))
            """);
        return JsonSerializer.Deserialize<List<ExtensionSave>>(json, s_json)!;
    }

    /// <summary>
    /// What choosing "Save to Scrapbook" on an image of <paramref name="page"/> does: the click grants the extension
    /// activeTab on that tab, and the context menu's listener runs with the menu's info and the tab. Playwright can click
    /// neither the native menu nor the toolbar, so the grant comes from pressing the extension's toolbar button over CDP
    /// (a gesture that grants activeTab just as the menu does), and the listener is called in the service worker.
    /// Without <paramref name="granted"/>, the listener runs on the active tab with no gesture behind it.
    /// Returns the save as recorded once the listener is done.
    /// </summary>
    public async Task<ExtensionSave> SaveImageAsync(IPage page, string imageUrl, bool granted = true)
    {
        if (granted)
        {
            await PressToolbarButtonAsync(page);
        }
        else
        {
            await page.BringToFrontAsync();
        }

        var json = await InServiceWorkerAsync<string>(
            """
            async ([pageUrl, srcUrl, granted]) => {
              // Without activeTab (or the "tabs" permission) a tab's address is hidden, so only the active tab can be told apart.
              const tabs = await chrome.tabs.query(granted ? {} : { active: true, lastFocusedWindow: true });
              const tab = granted ? tabs.find((candidate) => candidate.url === pageUrl) : tabs[0];
              if (!tab) throw new Error(`No tab shows ${pageUrl}: ${JSON.stringify(tabs.map((t) => t.url))}`);
              const info = { menuItemId: 'save-to-scrapbook', mediaType: 'image', srcUrl, pageUrl, frameId: 0, editable: false };
              return JSON.stringify(await globalThis.scrapbook.onMenuClicked(info, tab));
            }
            """,
            new object[] { page.Url, imageUrl, granted });
        return JsonSerializer.Deserialize<ExtensionSave>(json, s_json)!;
    }

    /// <summary>The extension's popup, opened as a page of its own.</summary>
    public async Task<IPage> OpenPopupAsync()
    {
        var popup = await Context.NewPageAsync();
        await popup.SetViewportSizeAsync(400, 600);
        await popup.GotoAsync(PageUrl("popup.html"));
        return popup;
    }

    private async Task PressToolbarButtonAsync(IPage page)
    {
        var browser = Context.Browser ?? throw new InvalidOperationException("The persistent context has no browser to talk CDP to.");
        var cdp = await browser.NewBrowserCDPSessionAsync();
        try
        {
            var targets = await cdp.SendAsync("Target.getTargets", new Dictionary<string, object>
            {
                // An empty filter entry lists every kind of target, the "tab" ones among them.
                ["filter"] = new object[] { new Dictionary<string, object>() },
            });
            var tab = targets!.Value.GetProperty("targetInfos").EnumerateArray()
                .First(target => target.GetProperty("type").GetString() == "tab" && target.GetProperty("url").GetString() == page.Url);
            await cdp.SendAsync("Extensions.triggerAction", new Dictionary<string, object>
            {
                ["id"] = ExtensionId,
                ["targetId"] = tab.GetProperty("targetId").GetString()!,
            });
        }
        finally
        {
            await cdp.DetachAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _profile.Dispose();
    }
}
