using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Gateway.Tests;

/// <summary>
/// <c>/s/{token}</c>, the page a share link opens, drawn by the gateway from Gallery.Api's answer: previews in chat apps
/// (Open Graph and Twitter tags with absolute URLs from <c>Scrapbook:PublicBaseUrl</c>), not for search engines, and one
/// friendly 404 for every link that does not work.
/// </summary>
public sealed partial class SharedPageTests(ServicesBehindGateway system) : IClassFixture<ServicesBehindGateway>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAlbumLinkOpensAPageThatPreviewsWithItsTitleAndCoverAndIsNotIndexed()
    {
        using var client = system.Gateway.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        var title = "Garden <party> & \"friends\"";
        var album = await CreateAlbumAsync(client, token, title, "Saturday's photos");
        var photo = await ReadyPhotoAsync(client, token, album.Id);
        var link = await CreateLinkAsync(client, token, $"/api/albums/{album.Id}/links");

        using var page = await client.GetAsync(link.Url, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal("noindex, nofollow", page.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<meta name=\"robots\" content=\"noindex, nofollow\">", html, StringComparison.Ordinal);
        Assert.Equal("Garden <party> & \"friends\"", Meta(html, "og:title"));
        Assert.Equal("Saturday's photos", Meta(html, "og:description"));
        Assert.Equal(ServicesBehindGateway.PublicBaseUrl + link.Url![1..], Meta(html, "og:url"));
        Assert.Equal(ServicesBehindGateway.PublicBaseUrl + photo.Urls.Large![1..], Meta(html, "og:image"));
        Assert.Equal(Meta(html, "og:image"), Meta(html, "twitter:image"));
        Assert.Equal("summary_large_image", Meta(html, "twitter:card"));
        Assert.DoesNotContain("<party>", html, StringComparison.Ordinal);
        Assert.Contains("<script type=\"module\" src=\"/js/shared-page.js\"></script>", html, StringComparison.Ordinal);

        // What the page's script asks for, through the gateway and without an owner token.
        var shared = await client.GetFromJsonAsync($"/api/shared/{link.Url[3..]}/photos", ContractsJsonContext.Default.PhotoPage, Ct);
        Assert.Equal([photo.Id], shared!.Items.Select(p => p.Id));
    }

    [Fact]
    public async Task ALinkThatDoesNotWorkGetsOneFriendlyPageWhateverTheReason()
    {
        using var client = system.Gateway.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        var album = await CreateAlbumAsync(client, token, "Soon gone", null);
        var link = await CreateLinkAsync(client, token, $"/api/albums/{album.Id}/links");
        using (var revoke = await Send(client, HttpMethod.Delete, $"/api/me/links/{link.Id}", token))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        var pages = new List<string>();
        foreach (var path in new[] { link.Url!, "/s/" + new string('x', 43), "/s/short", "/s/%3Cscript%3E" })
        {
            using var response = await client.GetAsync(path, Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("noindex, nofollow", response.Headers.GetValues("X-Robots-Tag").Single());
            pages.Add(await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.Single(pages.Distinct());
        Assert.Contains("This link does not work", pages[0], StringComparison.Ordinal);
        Assert.DoesNotContain("og:title", pages[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AGuestLinksUploadsAndEventsGoThroughTheGatewayAndStopWhenTheLinkIsRevoked()
    {
        using var client = system.Gateway.CreateGatewayClient();
        var owner = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        var guest = await ScrapbookClient.NewOwnerTokenAsync(client, Ct);
        var album = await CreateAlbumAsync(client, owner, "Open house", null);
        using var made = await Send(client, HttpMethod.Post, $"/api/albums/{album.Id}/links", owner, JsonContent.Create(new ShareLinkCreateRequest(AllowUploads: true), ContractsJsonContext.Default.ShareLinkCreateRequest));
        var link = (await made.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Ct))!;
        var token = link.Url![3..];
        using var folder = new TempDirectory("guest-link");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "guest.jpg"), 320, 240, Ct);

        await using (var events = await SseConnection.OpenAsync(system.Gateway.BaseAddress, path: $"/api/shared/{token}/events", cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);
            Assert.Equal("text/event-stream", events.Response.Content.Headers.ContentType?.MediaType);
        }

        using (var uploaded = await Send(client, HttpMethod.Post, $"/api/shared/{token}/uploads", guest, new ByteArrayContent(jpeg) { Headers = { ContentType = new("image/jpeg") } }))
        {
            Assert.Equal(HttpStatusCode.Accepted, uploaded.StatusCode);
        }

        using (var revoke = await Send(client, HttpMethod.Delete, $"/api/me/links/{link.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        // As a browser's EventSource comes back: with the guest's cookie and the last id it saw.
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/shared/{token}/events");
        resume.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        resume.Headers.Add("Cookie", "sb_owner=" + guest);
        resume.Headers.Add("Last-Event-ID", "1");
        using var refused = await client.SendAsync(resume, Ct);
        Assert.True(HttpStatusCode.NotFound == refused.StatusCode, $"{(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync(Ct)}");
        using var late = await Send(client, HttpMethod.Post, $"/api/shared/{token}/uploads", guest, new ByteArrayContent(jpeg) { Headers = { ContentType = new("image/jpeg") } });
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
    }

    [Fact]
    public async Task GuessingLinksFromOneAddressIsRateLimited()
    {
        await using var gateway = system.StartGateway(new Dictionary<string, string?> { ["Gateway:SharedLinkRateLimit:PermitLimit"] = "5" });
        using var client = gateway.CreateGatewayClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await client.GetAsync(i % 2 == 0 ? $"/s/{Guid.NewGuid():N}{i}" : $"/api/shared/{Guid.NewGuid():N}", Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.NotFound, 5).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)), statuses);

        // Other pages are not counted.
        using var wall = await client.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, wall.StatusCode);
    }

    private static string? Meta(string html, string name) =>
        MetaTag().Matches(html).FirstOrDefault(m => m.Groups["name"].Value == name)?.Groups["content"].Value is { } encoded ? WebUtility.HtmlDecode(encoded) : null;

    [GeneratedRegex("""<meta (?:property|name)="(?<name>[^"]+)" content="(?<content>[^"]*)">""")]
    private static partial Regex MetaTag();

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request, Ct);
    }

    private static async Task<AlbumDto> CreateAlbumAsync(HttpClient client, string token, string title, string? description)
    {
        using var response = await Send(client, HttpMethod.Post, "/api/albums", token, JsonContent.Create(new AlbumCreateRequest(title, description), ContractsJsonContext.Default.AlbumCreateRequest));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, Ct))!;
    }

    private static async Task<ShareLinkDto> CreateLinkAsync(HttpClient client, string token, string path)
    {
        using var response = await Send(client, HttpMethod.Post, path, token, JsonContent.Create(new ShareLinkCreateRequest(), ContractsJsonContext.Default.ShareLinkCreateRequest));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Ct))!;
    }

    /// <summary>A photo uploaded through the gateway into the album, then reported rendered as the worker would (no worker runs here).</summary>
    private async Task<PhotoDto> ReadyPhotoAsync(HttpClient client, string token, Guid albumId)
    {
        using var folder = new TempDirectory("shared-page");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "cover.jpg"), 320, 240, Ct);
        using var content = new ByteArrayContent(jpeg) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } };
        using var uploaded = await Send(client, HttpMethod.Post, $"/api/uploads?albumId={albumId}", token, content);
        Assert.Equal(HttpStatusCode.Accepted, uploaded.StatusCode);
        var photo = (await uploaded.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Ct))!;
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(jpeg));
        using var gallery = new HttpClient { BaseAddress = system.GalleryAddress };
        var renditions = new RenditionsCompletedRequest(
            [
                new RenditionDto("thumb", BlobKeys.Rendition(sha, "thumb", "webp"), "image/webp", 256, 256, 100),
                new RenditionDto("small", BlobKeys.Rendition(sha, "small", "webp"), "image/webp", 320, 240, 200),
                new RenditionDto("large", BlobKeys.Rendition(sha, "large", "webp"), "image/webp", 320, 240, 200),
            ],
            320,
            240,
            "3OcRJYB4d3h/iIeHeEh3eIhw+j2w");
        using var completed = await gallery.PostAsJsonAsync($"/internal/photos/{photo.Id}/renditions", renditions, ContractsJsonContext.Default.RenditionsCompletedRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        return (await completed.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Ct))!;
    }
}
