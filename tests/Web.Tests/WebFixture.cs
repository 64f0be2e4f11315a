using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Web.Tests;

/// <summary>
/// One running Scrapbook (the real AppHost: gateway, services, Redis, Azurite, two workers) and one headless Debian
/// Chromium driven by Playwright, shared by the tests of a class. Each test opens its own browser contexts (separate
/// cookies, so separate owners).
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    private static readonly string[] s_chromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ScrapbookApp System { get; } = new();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started.");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>Screenshots for people to look at: TestResults/screenshots next to the test assembly.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        await System.InitializeAsync();
        Http = System.CreateGatewayClient();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = s_chromiumArgs,
            Timeout = 60_000,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        Http?.Dispose();
        await System.DisposeAsync();
    }

    /// <summary>
    /// A second Chromium with a real profile folder (a persistent context, as a person's browser is): what installing the
    /// web app and its service worker need. Closing the context ends that browser.
    /// </summary>
    public Task<IBrowserContext> LaunchPersistentAsync(string profileDirectory, bool phone = false) =>
        (_playwright ?? throw new InvalidOperationException("Not started.")).Chromium.LaunchPersistentContextAsync(profileDirectory, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = s_chromiumArgs,
            Timeout = 60_000,
            BaseURL = System.GatewayUrl.ToString().TrimEnd('/'),
            ViewportSize = phone ? new ViewportSize { Width = 412, Height = 915 } : new ViewportSize { Width = 1280, Height = 800 },
            IsMobile = phone,
            HasTouch = phone,
            ReducedMotion = ReducedMotion.Reduce,
        });

    /// <summary>A fresh browser profile (its own owner cookie) at a desktop size unless told otherwise.</summary>
    public Task<IBrowserContext> NewContextAsync(int width = 1440, int height = 900, bool phone = false) =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = System.GatewayUrl.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            IsMobile = phone,
            HasTouch = phone,
            DeviceScaleFactor = 1,
            ReducedMotion = ReducedMotion.Reduce,
        });

    /// <summary>
    /// A colourful JPEG drawn by the browser's canvas with <paramref name="label"/> written on it, so every image
    /// is different (the API answers a repeated upload by the same owner with the photo it already has).
    /// </summary>
    public Task<byte[]> MakeImageAsync(string label, int hue, int width = 1200, int height = 800) =>
        DrawJpegAsync(
            """
            (g, w, h, hue, label) => {
              const sky = g.createLinearGradient(0, 0, w, h);
              sky.addColorStop(0, `hsl(${hue} 85% 62%)`);
              sky.addColorStop(1, `hsl(${(hue + 70) % 360} 70% 28%)`);
              g.fillStyle = sky; g.fillRect(0, 0, w, h);
              for (let i = 0; i < 7; i++) {
                g.fillStyle = `hsla(${(hue + i * 37) % 360} 90% 72% / 0.45)`;
                g.beginPath();
                g.arc(w * (0.1 + 0.13 * i), h * (0.45 + 0.3 * Math.sin(i * 1.7 + hue)), h * (0.1 + 0.035 * i), 0, Math.PI * 2);
                g.fill();
              }
              g.fillStyle = 'rgba(255,255,255,0.92)';
              g.font = `bold ${Math.round(h / 9)}px sans-serif`;
              g.fillText(label, w * 0.06, h * 0.88);
            }
            """,
            width,
            height,
            hue,
            label);

    /// <summary>
    /// A JPEG of <paramref name="width"/>×<paramref name="height"/> drawn by <paramref name="draw"/>, a JavaScript
    /// function <c>(context2d, width, height, hue, label) => void</c> run on a canvas in the browser.
    /// </summary>
    public Task<byte[]> DrawJpegAsync(string draw, int width, int height, int hue = 0, string label = "") =>
        DrawAsync(draw, width, height, hue, label, "image/jpeg");

    /// <summary>
    /// A PNG drawn as <see cref="DrawJpegAsync"/> draws a JPEG, but keeping the canvas's alpha: whatever
    /// <paramref name="draw"/> leaves unpainted is fully transparent.
    /// </summary>
    public Task<byte[]> DrawPngAsync(string draw, int width, int height) => DrawAsync(draw, width, height, 0, "", "image/png");

    private async Task<byte[]> DrawAsync(string draw, int width, int height, int hue, string label, string type)
    {
        await using var context = await Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var base64 = await page.EvaluateAsync<string>(
            $$"""
            async ([w, h, hue, label, type]) => {
              const canvas = document.createElement('canvas');
              canvas.width = w; canvas.height = h;
              ({{draw}})(canvas.getContext('2d'), w, h, hue, label);
              const blob = await new Promise((resolve) => canvas.toBlob(resolve, type, 0.9));
              const bytes = new Uint8Array(await blob.arrayBuffer());
              let text = '';
              for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
              return btoa(text);
            }
            """,
            new object[] { width, height, hue, label, type });
        return Convert.FromBase64String(base64);
    }

    /// <summary>Sets the admin settings through the API, as an operator's script would.</summary>
    public async Task SetSettingsAsync(bool uploadsOpen, string moderation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/admin/settings")
        {
            Content = JsonContent.Create(new SettingsDto(uploadsOpen, moderation), ContractsJsonContext.Default.SettingsDto),
        };
        request.Headers.Add("X-Admin-Key", System.AdminKey);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    public async Task<SettingsDto> GetSettingsAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/settings");
        request.Headers.Add("X-Admin-Key", System.AdminKey);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SettingsDto))!;
    }

    /// <summary>Uploads through the API as the owner of <paramref name="token"/> and waits until the photo is processed.</summary>
    public async Task<PhotoDto> UploadThroughApiAsync(string token, byte[] image, string caption, string author)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"/api/uploads?caption={Uri.EscapeDataString(caption)}&author={Uri.EscapeDataString(author)}")
        {
            Content = new ByteArrayContent(image),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await ScrapbookClient.WaitUntilProcessedAsync(Http, response.Headers.Location!.ToString(), token, TimeSpan.FromSeconds(90));
    }

    public static string Unique(string prefix) =>
        prefix + " " + Guid.NewGuid().ToString("N")[..6].ToUpper(CultureInfo.InvariantCulture);
}
