using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>Real Redis and Azurite, the real Gallery.Api, and Notify.Api discovering it as <c>http://gallery-api</c>.</summary>
public sealed class GalleryReplayFixture : IAsyncLifetime
{
    public BackingServers Servers { get; } = new();

    public ServiceUnderTest Gallery { get; private set; } = null!;

    public ServiceUnderTest Notify { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Servers.InitializeAsync();
        var galleryEnvironment = Servers.EnvironmentFor("gallery-api");
        galleryEnvironment["Outbox__PollInterval"] = "00:00:00.100";
        Gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", galleryEnvironment);
        var notifyEnvironment = Servers.EnvironmentFor("notify-api", new Dictionary<string, Uri[]> { ["gallery-api"] = [Gallery.BaseAddress] });
        notifyEnvironment["Notify__HeartbeatInterval"] = "00:00:00.200";
        Notify = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api", notifyEnvironment);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Notify is not null)
            {
                await Notify.DisposeAsync();
            }

            if (Gallery is not null)
            {
                await Gallery.DisposeAsync();
            }
        }
        finally
        {
            await Servers.DisposeAsync();
        }
    }
}

public sealed class GalleryReplayTests(GalleryReplayFixture fixture) : IClassFixture<GalleryReplayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClientResumingPastWhatTheStreamStillHoldsGetsTheMissedEventsFromGallery()
    {
        using var gallery = new HttpClient { BaseAddress = fixture.Gallery.BaseAddress };
        long seen;
        await using (var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct))
        {
            await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
            var first = await AddReadyPhotoAsync(gallery, "first");
            var ready = await client.NextAsync(f => f.Event == EventTypes.PhotoReady, cancellationToken: Ct);
            Assert.Contains(first.ToString(), ready.Data, StringComparison.Ordinal);
            seen = ready.Sequence;
        }

        var missed = await AddReadyPhotoAsync(gallery, "missed while away");
        await WaitUntilStreamHoldsMoreThanAsync(seen);
        // The stream no longer holds what the client missed: trimmed, as MAXLEN does to a busy stream.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString))
        {
            await redis.GetDatabase().StreamTrimAsync(Channels.EventStream, 0);
        }

        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, lastEventId: seen.ToString(CultureInfo.InvariantCulture), cancellationToken: Ct);
        var replayed = await resumed.NextEventAsync(cancellationToken: Ct);
        var live = await AddReadyPhotoAsync(gallery, "live after the replay");
        var next = await resumed.NextAsync(f => f.Event == EventTypes.PhotoReady, cancellationToken: Ct);

        Assert.Equal(EventTypes.PhotoReady, replayed.Event);
        Assert.Contains(missed.ToString(), replayed.Data, StringComparison.Ordinal);
        Assert.True(replayed.Sequence > seen);
        Assert.Contains(live.ToString(), next.Data, StringComparison.Ordinal);
        Assert.True(next.Sequence > replayed.Sequence);
    }

    [Fact]
    public async Task ASharedAlbumsStreamCarriesThatAlbumsPhotosAndNothingElseAndTheWallNeverSeesAGuestsPhoto()
    {
        using var gallery = new HttpClient { BaseAddress = fixture.Gallery.BaseAddress };
        var ownerToken = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var ownerId = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(ownerToken)));
        var party = await CreateAlbumAsync(gallery, ownerToken, "Party");
        var other = await CreateAlbumAsync(gallery, ownerToken, "Other");
        var partyLink = await CreateLinkAsync(gallery, ownerToken, $"/api/albums/{party}/links", allowUploads: true);
        var otherLink = await CreateLinkAsync(gallery, ownerToken, $"/api/albums/{other}/links", allowUploads: false);

        await using var partyStream = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, path: $"/api/shared/{partyLink.Token}/events", cancellationToken: Ct);
        await using var otherStream = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, path: $"/api/shared/{otherLink.Token}/events", cancellationToken: Ct);
        await using var wall = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, partyStream.Response.StatusCode);
        Assert.Equal("noindex, nofollow", partyStream.Response.Headers.GetValues("X-Robots-Tag").Single());
        foreach (var stream in new[] { partyStream, otherStream, wall })
        {
            await stream.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        }

        // A guest's photo through the party's link, then a photo of the owner's into the other album, then one on the wall.
        var guests = await AddReadyPhotoAsync(gallery, "guest's", shareLinkId: partyLink.Id);
        var owners = await AddReadyPhotoAsync(gallery, "owner's", ownerId: ownerId, albumId: other);
        var public_ = await AddReadyPhotoAsync(gallery, "on the wall");

        var partyReady = await partyStream.NextEventAsync(cancellationToken: Ct);
        Assert.Equal(EventTypes.PhotoReady, partyReady.Event);
        Assert.Contains(guests.ToString(), partyReady.Data, StringComparison.Ordinal);

        // Each stream's first event is its own: nothing of the others came before it.
        var otherFirst = await otherStream.NextEventAsync(cancellationToken: Ct);
        Assert.Equal(EventTypes.PhotoReady, otherFirst.Event);
        Assert.Contains(owners.ToString(), otherFirst.Data, StringComparison.Ordinal);
        var wallFirst = await wall.NextEventAsync(cancellationToken: Ct);
        Assert.Contains(owners.ToString(), wallFirst.Data, StringComparison.Ordinal);
        var wallSecond = await wall.NextEventAsync(cancellationToken: Ct);
        Assert.Contains(public_.ToString(), wallSecond.Data, StringComparison.Ordinal);

        // Resuming a shared stream replays that album's events only.
        await using var resumed = await SseConnection.OpenAsync(
            fixture.Notify.BaseAddress, lastEventId: (partyReady.Sequence - 1).ToString(CultureInfo.InvariantCulture), path: $"/api/shared/{partyLink.Token}/events", cancellationToken: Ct);
        var replayed = await resumed.NextEventAsync(cancellationToken: Ct);
        Assert.Equal(partyReady.Sequence, replayed.Sequence);

        // A link that does not work, or names a single photo, has no stream.
        using var photoLink = await gallery.SendAsync(Owned(HttpMethod.Post, $"/api/photos/{owners}/links", ownerToken, new ShareLinkCreateRequest()), Ct);
        var photoToken = (await photoLink.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Ct))!.Url![3..];
        using var notify = new HttpClient { BaseAddress = fixture.Notify.BaseAddress };
        using (var revoke = await gallery.SendAsync(Owned(HttpMethod.Delete, $"/api/me/links/{otherLink.Id}", ownerToken), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        foreach (var (token, bearer) in new[] { (photoToken, null), (new string('A', 43), null), ("nope", null), (otherLink.Token, null), (otherLink.Token, ownerToken) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/shared/{token}/events");
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            using var refused = await notify.SendAsync(request, Ct);
            Assert.True(HttpStatusCode.NotFound == refused.StatusCode, $"{token} (owner token: {bearer is not null}): {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync(Ct)}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
    }

    private static HttpRequestMessage Owned(HttpMethod method, string path, string token, object? body = null)
    {
        var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: System.Text.Json.JsonSerializerOptions.Web),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<Guid> CreateAlbumAsync(HttpClient gallery, string ownerToken, string title)
    {
        using var response = await gallery.SendAsync(Owned(HttpMethod.Post, "/api/albums", ownerToken, new AlbumCreateRequest(title)), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, Ct))!.Id;
    }

    private static async Task<(Guid Id, string Token)> CreateLinkAsync(HttpClient gallery, string ownerToken, string path, bool allowUploads)
    {
        using var response = await gallery.SendAsync(Owned(HttpMethod.Post, path, ownerToken, new ShareLinkCreateRequest(AllowUploads: allowUploads)), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var link = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Ct))!;
        return (link.Id, link.Url![3..]);
    }

    /// <summary>Registers a photo and completes its renditions, as Upload.Api and the worker would: Gallery.Api then announces photo.ready.</summary>
    private static async Task<Guid> AddReadyPhotoAsync(HttpClient gallery, string caption, string? ownerId = null, Guid? albumId = null, Guid? shareLinkId = null)
    {
        var sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        ownerId ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        using var register = await gallery.PostAsJsonAsync(
            "/internal/photos",
            new RegisterPhotoRequest(ownerId, sha256, "jpeg", 12_345, 4000, 3000, caption, "Ada", albumId, ShareLinkId: shareLinkId),
            ContractsJsonContext.Default.RegisterPhotoRequest,
            Ct);
        Assert.True(register.IsSuccessStatusCode, $"register answered {(int)register.StatusCode}");
        var photo = (await register.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Ct))!;

        RenditionsCompletedRequest renditions = new(
            [new RenditionDto("thumb", BlobKeys.Rendition(sha256, "thumb", "webp"), "image/webp", 256, 256, 1000)],
            4000,
            3000,
            "3OcRJYB4d3h/iIeHeEh3eIhw+j2w");
        using var complete = await gallery.PostAsJsonAsync($"/internal/photos/{photo.Id}/renditions", renditions, ContractsJsonContext.Default.RenditionsCompletedRequest, Ct);
        Assert.True(complete.IsSuccessStatusCode, $"renditions answered {(int)complete.StatusCode}");
        return photo.Id;
    }

    /// <summary>The relay has appended something after <paramref name="sequence"/> (so deleting the key really loses it).</summary>
    private async Task WaitUntilStreamHoldsMoreThanAsync(long sequence)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await redis.GetDatabase().StreamRangeAsync(Channels.EventStream, "(" + EventStreamIds.For(sequence), "+", 1)).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Gallery.Api's relay never appended the missed event.");
            await Task.Delay(50, Ct);
        }
    }
}
