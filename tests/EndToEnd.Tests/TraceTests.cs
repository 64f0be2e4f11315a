using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// The whole system started by the real AppHost (Aspire.Hosting.Testing), used as a person would through the gateway,
/// with the photo's trace read back from the Aspire dashboard's telemetry API.
/// </summary>
public sealed class TraceTests(ScrapbookApp system) : IClassFixture<ScrapbookApp>
{
    private static readonly TimeSpan s_processingDeadline = TimeSpan.FromMinutes(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadArrivesLiveAsReadyItsThumbnailIsServedAndOneTraceOnTheDashboardCrossesEveryService()
    {
        using var http = system.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        await using var events = await SseConnection.OpenAsync(system.GatewayUrl, bearerToken: token, cancellationToken: Cancellation);
        Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);

        var uploaded = await UploadAsync(http, token, "live.jpg");
        var ready = await events.NextAsync(f => f.Event == EventTypes.PhotoReady && f.Data!.Contains(uploaded.Id.ToString("D"), StringComparison.Ordinal), s_processingDeadline, Cancellation);
        var photo = JsonSerializer.Deserialize(ready.Data!, ContractsJsonContext.Default.PhotoDto)!;
        Assert.Equal(uploaded.Id, photo.Id);
        Assert.Equal(PhotoStatus.Ready, photo.Status);

        using var thumbnail = await http.GetAsync(photo.Urls.Thumb, Cancellation);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Contains("immutable", thumbnail.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var webp = await thumbnail.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));

        var trace = await system.WaitForPhotoTraceAsync(photo.Id, Cancellation);
        Assert.Superset(ScrapbookApp.Services.ToHashSet(), trace.Services.ToHashSet());
        Assert.Equal("gateway", trace.RootService);
    }

    [Fact]
    public async Task AGuestsPhotoThroughAGuestLinkArrivesLiveOnThatAlbumsStreamAndOnNoOther()
    {
        using var http = system.CreateGatewayClient();
        var owner = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        var guest = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        var party = await CreateAlbumAsync(http, owner, "Party");
        var other = await CreateAlbumAsync(http, owner, "Other party");
        var partyLink = await CreateGuestLinkAsync(http, owner, party);
        var otherLink = await CreateGuestLinkAsync(http, owner, other);

        await using var partyWall = await SseConnection.OpenAsync(system.GatewayUrl, path: $"/api/shared/{partyLink}/events", cancellationToken: Cancellation);
        await using var otherWall = await SseConnection.OpenAsync(system.GatewayUrl, path: $"/api/shared/{otherLink}/events", cancellationToken: Cancellation);
        await using var wall = await SseConnection.OpenAsync(system.GatewayUrl, cancellationToken: Cancellation);
        Assert.All(new[] { partyWall, otherWall, wall }, stream => Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode));

        using var folder = new TempDirectory("e2e");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "guest.jpg"), 800, 600, Cancellation);
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/shared/{partyLink}/uploads") { Content = new ByteArrayContent(jpeg) };
        upload.Content.Headers.ContentType = new("image/jpeg");
        upload.Headers.Authorization = new("Bearer", guest);
        using var uploaded = await http.SendAsync(upload, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, uploaded.StatusCode);
        var photo = (await uploaded.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation))!;

        var ready = await partyWall.NextAsync(f => f.Event == EventTypes.PhotoReady, s_processingDeadline, Cancellation);
        Assert.Equal(photo.Id, JsonSerializer.Deserialize(ready.Data!, ContractsJsonContext.Default.PhotoDto)!.Id);

        // A photo on the wall after it: the other streams' first photo event is that one, so the guest's never reached them.
        var afterwards = await UploadAsync(http, owner, "afterwards.jpg");
        var wallFirst = await wall.NextAsync(f => f.Event == EventTypes.PhotoReady, s_processingDeadline, Cancellation);
        Assert.Contains(afterwards.Id.ToString("D"), wallFirst.Data, StringComparison.Ordinal);
        using (var added = await SendAsync(http, HttpMethod.Put, $"/api/albums/{other}/photos/{afterwards.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        }

        var otherFirst = await otherWall.NextAsync(f => f.Event == EventTypes.PhotoReady, s_processingDeadline, Cancellation);
        Assert.Contains(afterwards.Id.ToString("D"), otherFirst.Data, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new("Bearer", token);
        return await http.SendAsync(request, Cancellation);
    }

    private static async Task<Guid> CreateAlbumAsync(HttpClient http, string token, string title)
    {
        using var response = await SendAsync(http, HttpMethod.Post, "/api/albums", token, new AlbumCreateRequest(title));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, Cancellation))!.Id;
    }

    private static async Task<string> CreateGuestLinkAsync(HttpClient http, string token, Guid album)
    {
        using var response = await SendAsync(http, HttpMethod.Post, $"/api/albums/{album}/links", token, new ShareLinkCreateRequest(AllowUploads: true));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Cancellation))!.Url![3..];
    }

    private static async Task<PhotoDto> UploadAsync(HttpClient http, string token, string name)
    {
        using var folder = new TempDirectory("e2e");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, name), 800, 600, Cancellation);
        using var response = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation))!;
    }
}
