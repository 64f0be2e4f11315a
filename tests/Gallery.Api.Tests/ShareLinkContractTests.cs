using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Share links, run once per SQL engine by the sealed subclasses below.</summary>
public abstract class ShareLinkContractTests(GalleryFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task AnAlbumLinkShowsTheAlbumAndOnlyItsPublicPhotosToAnyoneInItsOrder()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Garden party", "Saturday");
        var (first, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (second, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (_, processing) = await Client.RegisterAsync(GalleryCalls.Registration(owner) with { AlbumId = album.Id }, Ct);
        await AddAsync(owner, album.Id, first.Id);
        await AddAsync(owner, album.Id, second.Id);

        var link = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links");
        Assert.Matches("^/s/[A-Za-z0-9_-]{43}$", link.Url);
        Assert.Equal((ShareTarget.Album, album.Id, "Garden party", true), (link.Target, link.TargetId, link.Title, link.Active));

        using var shared = await Client.GetAsync(SharedPath(link), Ct);
        Assert.Equal("noindex, nofollow", shared.Headers.GetValues("X-Robots-Tag").Single());
        var dto = await shared.ReadAsync(ContractsJsonContext.Default.SharedDto, Ct);
        Assert.Equal((ShareTarget.Album, "Garden party", "Saturday", 2, second.Id), (dto.Target, dto.Album!.Title, dto.Album.Description, dto.Album.PhotoCount, dto.Album.Cover?.Id));
        Assert.Null(dto.Photo);
        Assert.Null(dto.Album.Cover!.FailureReason);

        Assert.Equal([second.Id, first.Id], await SharedPhotosAsync(link, pageSize: 1));
        Assert.DoesNotContain(processing.Id, await SharedPhotosAsync(link, pageSize: 10));

        // The owner's order is the link's order too.
        using (var moved = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{first.Id}/move", owner, new AlbumMoveRequest(null)))
        {
            Assert.Equal(HttpStatusCode.NoContent, moved.StatusCode);
        }

        Assert.Equal([first.Id, second.Id], await SharedPhotosAsync(link, pageSize: 1));
    }

    [Fact]
    public async Task APhotoLinkShowsThatPhotoAloneAndOnlyOwnersMayMakeOne()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (theirs, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);
        var strangersAlbum = await CreateAlbumAsync(Owner.New(), "Theirs");

        var link = await CreateLinkAsync(owner, $"/api/photos/{photo.Id}/links");
        using var shared = await Client.GetAsync(SharedPath(link), Ct);
        var dto = await shared.ReadAsync(ContractsJsonContext.Default.SharedDto, Ct);
        Assert.Equal((ShareTarget.Photo, photo.Id), (dto.Target, dto.Photo?.Id));
        using var photos = await Client.GetAsync(SharedPath(link) + "/photos", Ct);
        await photos.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);

        using var foreign = await Send(HttpMethod.Post, $"/api/photos/{theirs.Id}/links", owner, new ShareLinkCreateRequest());
        await foreign.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        foreach (var path in new[] { $"/api/photos/{Guid.NewGuid()}/links", $"/api/albums/{Guid.NewGuid()}/links", $"/api/albums/{strangersAlbum.Id}/links" })
        {
            using var missing = await Send(HttpMethod.Post, path, owner, new ShareLinkCreateRequest());
            await missing.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        using var anonymous = await Client.PostAsJsonAsync($"/api/photos/{photo.Id}/links", new ShareLinkCreateRequest(), ContractsJsonContext.Default.ShareLinkCreateRequest, Ct);
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
    }

    [Fact]
    public async Task UnknownExpiredRevokedAndMalformedLinksAllGetTheSameAnswer()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Short-lived");
        var revoked = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links");
        var expiring = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links", DateTimeOffset.UtcNow.AddSeconds(2));
        var kept = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links");
        using (var revoke = await Send(HttpMethod.Delete, $"/api/me/links/{revoked.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        using (var stranger = await Send(HttpMethod.Delete, $"/api/me/links/{kept.Id}", Owner.New()))
        {
            await stranger.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        var answers = new List<string>();
        foreach (var path in new[] { SharedPath(revoked), SharedPath(expiring), "/api/shared/" + new string('A', 43), "/api/shared/not-a-token", SharedPath(revoked) + "/photos" })
        {
            using var response = await Client.GetAsync(path, Ct);
            await response.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            answers.Add($"{problem.RootElement.GetProperty("title")}|{problem.RootElement.GetProperty("detail")}");
        }

        Assert.Single(answers.Distinct());
        using var working = await Client.GetAsync(SharedPath(kept), Ct);
        Assert.Equal(HttpStatusCode.OK, working.StatusCode);

        using var listed = await Send(HttpMethod.Get, "/api/me/links", owner);
        // Newest first by id: UUIDv7 orders by the millisecond, and links made within the same one may come either way.
        var links = (await listed.ReadAsync(ContractsJsonContext.Default.ShareLinkPage, Ct)).Items.ToDictionary(l => l.Id);
        Assert.Equal(new[] { kept.Id, expiring.Id, revoked.Id }.Order(), links.Keys.Order());
        Assert.Equal((true, false, false), (links[kept.Id].Active, links[expiring.Id].Active, links[revoked.Id].Active));
        Assert.All(links.Values, l => Assert.Null(l.Url));
        Assert.NotNull(links[revoked.Id].RevokedAt);
        Assert.Null(links[expiring.Id].RevokedAt);

        // Deleting the album deletes its links.
        using (var deleted = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await Client.GetAsync(SharedPath(kept), Ct);
        await gone.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
    }

    [Fact]
    public async Task AnExpiryMustBeAheadAndWithinAYear()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Dates");
        foreach (var expiry in new[] { DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(400) })
        {
            using var response = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/links", owner, new ShareLinkCreateRequest(expiry));
            await response.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        using var noBody = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/links", owner);
        Assert.Equal(HttpStatusCode.Created, noBody.StatusCode);
    }

    [Fact]
    public async Task AGuestLinksPhotosGoIntoItsAlbumOnlyStayOffTheWallAndAreAnnouncedToThatAlbum()
    {
        var owner = Owner.New();
        var guest = Owner.New();
        var party = await CreateAlbumAsync(owner, "Party");
        var other = await CreateAlbumAsync(owner, "Other");
        var link = await CreateLinkAsync(owner, $"/api/albums/{party.Id}/links", allowUploads: true);
        Assert.True(link.AllowUploads);

        var grant = await ResolveAsync(link);
        Assert.Equal((link.Id, owner.Id, (Guid?)party.Id, (Guid?)null, true), (grant.LinkId, grant.OwnerId, grant.AlbumId, grant.PhotoId, grant.AllowUploads));
        using (var shared = await Client.GetAsync(SharedPath(link), Ct))
        {
            Assert.True((await shared.ReadAsync(ContractsJsonContext.Default.SharedDto, Ct)).AllowUploads);
        }

        var sha = GalleryCalls.NewSha256();
        var (status, added) = await Client.RegisterAsync(GalleryCalls.Registration(guest, sha) with { ShareLinkId = link.Id }, Ct);
        Assert.Equal(HttpStatusCode.Created, status);
        var ready = await Client.CompleteAsync(added.Id, sha, Ct);
        Assert.Equal(PhotoStatus.Ready, ready.Status);

        // In the album, for its link and its owner; not on the wall, and to strangers not by id either.
        Assert.Equal([added.Id], await SharedPhotosAsync(link, pageSize: 10));
        Assert.Contains(added.Id, await AlbumPhotosAsync(owner, party.Id));
        using (var wall = await Client.GetAsync("/api/photos?limit=100", Ct))
        {
            Assert.DoesNotContain(added.Id, (await wall.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id));
        }

        using (var byId = await Client.GetAsync($"/api/photos/{added.Id}", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, byId.StatusCode);
        }

        // The guest owns it: they see it in their photos, and may change it.
        using (var mine = await Send(HttpMethod.Get, "/api/me/photos", guest))
        {
            Assert.Equal([added.Id], (await mine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id));
        }

        using (var caption = await Send(HttpMethod.Patch, $"/api/photos/{added.Id}", guest, new PhotoPatchRequest("Cake!", null)))
        {
            Assert.Equal(HttpStatusCode.OK, caption.StatusCode);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var events = await redis.GetDatabase().WaitForEventsAsync(added.Id, found => found.Count(e => e["album"] is not null) >= 2, Ct);
        var albumEvents = events.Where(e => e["album"] is not null).ToList();
        Assert.All(albumEvents, e => Assert.Equal((party.Id.ToString(), (string?)null), (e["album"], e["owner"])));
        Assert.Equal([EventTypes.PhotoReady, EventTypes.PhotoUpdated], albumEvents.Select(e => e["type"]));
        Assert.DoesNotContain(events, e => e["album"] == other.Id.ToString());

        // Nothing about it reaches the wall's audience: the photo's own events are the guest's alone.
        Assert.All(events.Where(e => e["album"] is null && e["type"]!.StartsWith("photo.", StringComparison.Ordinal)), e => Assert.Equal(guest.Id, e["owner"]));

        // The album's owner hears that a guest added a photo.
        var added_ = await redis.GetDatabase().WaitForStreamAsync(
            e => e["type"] == EventTypes.AlbumPhotoAdded && e["data"]?.Contains(added.Id.ToString(), StringComparison.Ordinal) == true, found => found.Count > 0, Ct);
        Assert.Equal(owner.Id, Assert.Single(added_)["owner"]);
    }

    [Fact]
    public async Task AnAlbumThatAsksForApprovalHoldsGuestsPhotosBackUntilItsOwnerApproves()
    {
        var owner = Owner.New();
        var guest = Owner.New();
        var album = await CreateAlbumAsync(owner, "Reviewed");
        using (var patched = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(GuestApproval: true)))
        {
            Assert.True((await patched.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct)).GuestApproval);
        }

        var link = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links", allowUploads: true);
        var sha = GalleryCalls.NewSha256();
        var (_, waiting) = await Client.RegisterAsync(GalleryCalls.Registration(guest, sha) with { ShareLinkId = link.Id }, Ct);
        await Client.CompleteAsync(waiting.Id, sha, Ct);

        // The owner's own photos, even sent through their own guest link, need no approval.
        var ownSha = GalleryCalls.NewSha256();
        var (_, own) = await Client.RegisterAsync(GalleryCalls.Registration(owner, ownSha) with { ShareLinkId = link.Id }, Ct);
        await Client.CompleteAsync(own.Id, ownSha, Ct);

        Assert.Equal([own.Id], await SharedPhotosAsync(link, pageSize: 10));
        Assert.Equal([own.Id], await AlbumPhotosAsync(owner, album.Id));
        Assert.Equal([waiting.Id], await AlbumPhotosAsync(owner, album.Id, "pending"));
        var counted = await GetAlbumAsync(owner, album.Id);
        Assert.Equal((1, 1), (counted.PhotoCount, counted.PendingCount));

        // A photo waiting for approval is not the owner's to move or to choose as cover.
        using (var cover = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(CoverPhotoId: waiting.Id)))
        {
            await cover.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        using (var stranger = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{waiting.Id}/approve", guest))
        {
            await stranger.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        using (var approved = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{waiting.Id}/approve", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, approved.StatusCode);
        }

        Assert.Equal(new[] { own.Id, waiting.Id }.Order(), (await SharedPhotosAsync(link, pageSize: 10)).Order());
        Assert.Empty(await AlbumPhotosAsync(owner, album.Id, "pending"));

        // Taking a guest's photo out of the album is the owner's to do; the photo stays the guest's.
        using (var removed = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}/photos/{waiting.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        Assert.Equal([own.Id], await SharedPhotosAsync(link, pageSize: 10));
        using (var still = await Send(HttpMethod.Get, $"/api/photos/{waiting.Id}", guest))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var events = await redis.GetDatabase().WaitForEventsAsync(
            waiting.Id, found => found.Any(e => e["album"] is not null && e["type"] == EventTypes.PhotoDeleted), Ct);
        Assert.Equal(
            [EventTypes.PhotoReady, EventTypes.PhotoDeleted],
            events.Where(e => e["album"] == album.Id.ToString()).Select(e => e["type"]));
        Assert.Contains(events, e => e["type"] == EventTypes.AlbumPhotoAdded && e["owner"] == owner.Id && e["data"]!.Contains("\"pending\":true", StringComparison.Ordinal));
        Assert.Contains(events, e => e["type"] == EventTypes.AlbumPhotoApproved && e["owner"] == owner.Id);
    }

    [Fact]
    public async Task OnlyAWorkingGuestLinkLetsPhotosIn()
    {
        var owner = Owner.New();
        var guest = Owner.New();
        var album = await CreateAlbumAsync(owner, "Closed");
        var viewOnly = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links");
        var revoked = await CreateLinkAsync(owner, $"/api/albums/{album.Id}/links", allowUploads: true);
        using (var revoke = await Send(HttpMethod.Delete, $"/api/me/links/{revoked.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        foreach (var link in new[] { viewOnly, revoked })
        {
            using var refused = await Client.PostAsJsonAsync(
                "/internal/photos", GalleryCalls.Registration(guest) with { ShareLinkId = link.Id }, ContractsJsonContext.Default.RegisterPhotoRequest, Ct);
            await refused.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        using (var both = await Client.PostAsJsonAsync(
            "/internal/photos", GalleryCalls.Registration(guest) with { ShareLinkId = viewOnly.Id, AlbumId = album.Id }, ContractsJsonContext.Default.RegisterPhotoRequest, Ct))
        {
            await both.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        using (var mine = await Send(HttpMethod.Get, "/api/me/photos", guest))
        {
            Assert.Empty((await mine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
        }

        // Guests add photos to albums only; the lookup answers nothing for links that do not work.
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        using (var photoLink = await Send(HttpMethod.Post, $"/api/photos/{photo.Id}/links", owner, new ShareLinkCreateRequest(AllowUploads: true)))
        {
            await photoLink.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        foreach (var token in new[] { revoked.Url![3..], new string('A', 43), "short" })
        {
            using var lookup = await Client.PostAsJsonAsync(
                "/internal/shared-links/resolve", new ShareLinkResolveRequest(token), ContractsJsonContext.Default.ShareLinkResolveRequest, Ct);
            await lookup.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        Assert.False((await ResolveAsync(viewOnly)).AllowUploads);
    }

    private static string SharedPath(ShareLinkDto link) => "/api/shared/" + link.Url![3..];

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, Owner owner, object? body = null) =>
        await Client.SendAsync(method, path, owner, content: body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web), cancellationToken: Ct);

    private async Task<ShareLinkDto> CreateLinkAsync(Owner owner, string path, DateTimeOffset? expiresAt = null, bool allowUploads = false)
    {
        using var response = await Send(HttpMethod.Post, path, owner, new ShareLinkCreateRequest(expiresAt, allowUploads));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync(ContractsJsonContext.Default.ShareLinkDto, Ct);
    }

    private async Task<AlbumDto> CreateAlbumAsync(Owner owner, string title, string? description = null)
    {
        using var response = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest(title, description));
        return await response.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
    }

    private async Task<AlbumDto> GetAlbumAsync(Owner owner, Guid id)
    {
        using var response = await Send(HttpMethod.Get, $"/api/albums/{id}", owner);
        return await response.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
    }

    private async Task<List<Guid>> AlbumPhotosAsync(Owner owner, Guid albumId, string? state = null)
    {
        using var response = await Send(HttpMethod.Get, $"/api/albums/{albumId}/photos?limit=100{(state is null ? "" : "&state=" + state)}", owner);
        return [.. (await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items.Select(p => p.Id)];
    }

    private async Task<ShareLinkGrant> ResolveAsync(ShareLinkDto link)
    {
        using var response = await Client.PostAsJsonAsync(
            "/internal/shared-links/resolve", new ShareLinkResolveRequest(link.Url![3..]), ContractsJsonContext.Default.ShareLinkResolveRequest, Ct);
        return await response.ReadAsync(ContractsJsonContext.Default.ShareLinkGrant, Ct);
    }

    private async Task AddAsync(Owner owner, Guid albumId, Guid photoId)
    {
        using var response = await Send(HttpMethod.Put, $"/api/albums/{albumId}/photos/{photoId}", owner);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task<List<Guid>> SharedPhotosAsync(ShareLinkDto link, int pageSize)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            using var response = await Client.GetAsync($"{SharedPath(link)}/photos?limit={pageSize}{(cursor is null ? "" : "&cursor=" + cursor)}", Ct);
            var page = await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct);
            ids.AddRange(page.Items.Select(p => p.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return ids;
    }
}

[Collection("sqlite")]
public sealed class SqliteShareLinkTests(SqliteGalleryFixture fixture) : ShareLinkContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresShareLinkTests(PostgresGalleryFixture fixture) : ShareLinkContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
