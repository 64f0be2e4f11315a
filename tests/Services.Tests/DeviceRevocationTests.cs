using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Services.Tests;

/// <summary>Gallery.Api, Upload.Api, Thumbnail.Worker and Notify.Api as processes on one Redis, as the AppHost wires them.</summary>
public sealed class DeviceSystem : IAsyncLifetime
{
    public PhotoPipeline Pipeline { get; } = new();

    public ServiceUnderTest Notify { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Pipeline.InitializeAsync();
        Notify = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api",
            Pipeline.Servers.EnvironmentFor("notify-api", new Dictionary<string, Uri[]> { ["gallery-api"] = [Pipeline.Gallery.BaseAddress] }));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Notify is not null)
            {
                await Notify.DisposeAsync();
            }
        }
        finally
        {
            await Pipeline.DisposeAsync();
        }
    }
}

/// <summary>
/// A paired device acts as its owner in every service, and once revoked it stops, in every service, within seconds:
/// Gallery.Api revokes it in its database and announces it on Redis, where Upload.Api and Notify.Api drop what they cached.
/// </summary>
public sealed class DeviceRevocationTests(DeviceSystem system) : IClassFixture<DeviceSystem>
{
    private static readonly TimeSpan s_revocationDeadline = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARevokedDeviceIsRefusedByGalleryUploadAndNotifyWithinSeconds()
    {
        using var gallery = new HttpClient { BaseAddress = system.Pipeline.Gallery.BaseAddress };
        using var upload = new HttpClient { BaseAddress = system.Pipeline.Upload.BaseAddress };
        var first = await ScrapbookClient.NewOwnerTokenAsync(upload, Ct);
        var device = await PairAsync(gallery, first);

        // The paired device acts as the owner everywhere: its upload is the owner's photo, its event stream carries the
        // owner's own events, and every service has now cached that answer.
        using var temp = new TempDirectory();
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(temp.Path, "photo.jpg"), 64, 48, Ct);
        using (var accepted = await ScrapbookClient.UploadAsync(upload, jpeg, "image/jpeg", device.Token, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var photo = await accepted.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Ct);
            Assert.Contains(photo!.Id, await MyPhotoIdsAsync(gallery, first));
        }

        Assert.True(await ReceivesOwnerEventsAsync(gallery, first, device.Token));

        using (var revoked = await SendAsync(gallery, HttpMethod.Delete, $"/api/me/devices/{device.Device.Id}", first))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            using var galleryAnswer = await SendAsync(gallery, HttpMethod.Get, "/api/me/photos", device.Token);
            using var uploadAnswer = await ScrapbookClient.UploadAsync(upload, jpeg, "image/jpeg", device.Token, Ct);
            var notifyRefuses = !await ReceivesOwnerEventsAsync(gallery, first, device.Token);
            if (galleryAnswer.StatusCode == HttpStatusCode.Unauthorized && uploadAnswer.StatusCode == HttpStatusCode.Unauthorized && notifyRefuses)
            {
                break;
            }

            Assert.True(elapsed.Elapsed < s_revocationDeadline,
                $"After {elapsed.Elapsed}: Gallery.Api {(int)galleryAnswer.StatusCode}, Upload.Api {(int)uploadAnswer.StatusCode}, Notify.Api still sends owner events: {!notifyRefuses}");
            await Task.Delay(50, Ct);
        }

        // The owner's first token is untouched.
        using var stillWorks = await SendAsync(gallery, HttpMethod.Get, "/api/me/photos", first);
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }

    [Fact]
    public async Task ARevokedTokenAskingForASessionGetsANewOwner()
    {
        using var gallery = new HttpClient { BaseAddress = system.Pipeline.Gallery.BaseAddress };
        using var upload = new HttpClient { BaseAddress = system.Pipeline.Upload.BaseAddress };
        var first = await ScrapbookClient.NewOwnerTokenAsync(upload, Ct);
        var device = await PairAsync(gallery, first);
        Assert.Equal(device.Token, await SessionAsync(upload, device.Token));

        using (var revoked = await SendAsync(gallery, HttpMethod.Delete, $"/api/me/devices/{device.Device.Id}", first))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var elapsed = Stopwatch.StartNew();
        while (await SessionAsync(upload, device.Token) == device.Token)
        {
            Assert.True(elapsed.Elapsed < s_revocationDeadline, "Upload.Api still hands the revoked token back.");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>
    /// Whether a stream opened with <paramref name="token"/> gets the owner's own events: the owner makes an album (an
    /// event for the owner alone), then the admin saves the settings (an event for everyone); the first of the two the
    /// stream gets says which.
    /// </summary>
    private async Task<bool> ReceivesOwnerEventsAsync(HttpClient gallery, string owner, string token)
    {
        await using var stream = await SseConnection.OpenAsync(system.Notify.BaseAddress, bearerToken: token, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        using (var album = await SendAsync(gallery, HttpMethod.Post, "/api/albums", owner, JsonContent.Create(new AlbumCreateRequest("Marker"), ContractsJsonContext.Default.AlbumCreateRequest)))
        {
            Assert.Equal(HttpStatusCode.Created, album.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Put, "/api/admin/settings") { Content = JsonContent.Create(new SettingsDto(true, "off"), ContractsJsonContext.Default.SettingsDto) })
        {
            request.Headers.Add("X-Admin-Key", system.Pipeline.Servers.AdminKey);
            using var saved = await gallery.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        var frame = await stream.NextAsync(f => f.Event is EventTypes.AlbumUpdated or EventTypes.SettingsChanged, TimeSpan.FromSeconds(10), Ct);
        return frame.Event == EventTypes.AlbumUpdated;
    }

    private static async Task<PairedDeviceDto> PairAsync(HttpClient gallery, string owner)
    {
        var code = await ScrapbookClient.NewPairingCodeAsync(gallery, owner, Ct);
        using var redeemed = await gallery.PostAsJsonAsync("/api/pairing", new PairingRedeemRequest(code.Code, "Phone"), ContractsJsonContext.Default.PairingRedeemRequest, Ct);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        return (await redeemed.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PairedDeviceDto, Ct))!;
    }

    private static async Task<string> SessionAsync(HttpClient upload, string token)
    {
        using var response = await SendAsync(upload, HttpMethod.Post, "/api/session", token);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<SessionBody>(Ct))!.Token;
    }

    private static async Task<IReadOnlyList<Guid>> MyPhotoIdsAsync(HttpClient gallery, string token)
    {
        using var response = await SendAsync(gallery, HttpMethod.Get, "/api/me/photos", token);
        return [.. (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Ct))!.Items.Select(p => p.Id)];
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request, Ct);
    }

    private sealed record SessionBody(string Token);
}
