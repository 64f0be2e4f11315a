using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;

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

    private static string SharedPath(ShareLinkDto link) => "/api/shared/" + link.Url![3..];

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, Owner owner, object? body = null) =>
        await Client.SendAsync(method, path, owner, content: body is null ? null : JsonContent.Create(body, body.GetType(), options: JsonSerializerOptions.Web), cancellationToken: Ct);

    private async Task<ShareLinkDto> CreateLinkAsync(Owner owner, string path, DateTimeOffset? expiresAt = null)
    {
        using var response = await Send(HttpMethod.Post, path, owner, new ShareLinkCreateRequest(expiresAt));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync(ContractsJsonContext.Default.ShareLinkDto, Ct);
    }

    private async Task<AlbumDto> CreateAlbumAsync(Owner owner, string title, string? description = null)
    {
        using var response = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest(title, description));
        return await response.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
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
