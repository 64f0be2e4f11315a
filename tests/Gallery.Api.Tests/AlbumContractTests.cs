using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using StackExchange.Redis;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Albums, run once per SQL engine by the sealed subclasses below.</summary>
public abstract class AlbumContractTests(GalleryFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task AnOwnerCreatesRenamesDescribesListsAndDeletesAlbumsAndThePhotosStay()
    {
        var owner = Owner.New();
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);

        using var created = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest("  Summer  ", "Lake trip"));
        var album = await created.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/albums/{album.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(("Summer", "Lake trip", AlbumOrder.Newest, 0), (album.Title, album.Description, album.Order, album.PhotoCount));
        Assert.Null(album.Cover);
        using (var added = await Send(HttpMethod.Put, $"/api/albums/{album.Id}/photos/{photo.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        }

        using var renamed = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(Title: "Summer 2026"));
        var afterRename = await renamed.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
        Assert.Equal(("Summer 2026", "Lake trip", 1, photo.Id), (afterRename.Title, afterRename.Description, afterRename.PhotoCount, afterRename.Cover?.Id));
        using var cleared = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(Description: ""));
        Assert.Null((await cleared.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct)).Description);

        using var second = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest("Winter"));
        var winter = await second.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
        using var listed = await Send(HttpMethod.Get, "/api/albums?limit=1", owner);
        var first = await listed.ReadAsync(ContractsJsonContext.Default.AlbumPage, Ct);
        using var next = await Send(HttpMethod.Get, $"/api/albums?limit=1&cursor={first.NextCursor}", owner);
        var rest = await next.ReadAsync(ContractsJsonContext.Default.AlbumPage, Ct);
        Assert.Equal([winter.Id, album.Id], [.. first.Items.Select(a => a.Id), .. rest.Items.Select(a => a.Id)]);
        Assert.Null(rest.NextCursor);

        using var deleted = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}", owner);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await Send(HttpMethod.Get, $"/api/albums/{album.Id}", owner);
        await gone.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        using var stillThere = await Send(HttpMethod.Get, $"/api/photos/{photo.Id}", owner);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    [Fact]
    public async Task AnAlbumListsItsPhotosNewestFirstInEveryStateAndPages()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Party");
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
            ids.Add(photo.Id);
        }

        var (_, processing) = await Client.RegisterAsync(GalleryCalls.Registration(owner), Ct);
        ids.Add(processing.Id);
        foreach (var id in ids.OrderBy(_ => Random.Shared.Next()))
        {
            await AddAsync(owner, album.Id, id);
        }

        var listed = await ListAsync(owner, album.Id, pageSize: 2);

        Assert.Equal(Enumerable.Reverse(ids), listed);
        var dto = await GetAlbumAsync(owner, album.Id);
        Assert.Equal(6, dto.PhotoCount);
        Assert.Equal(ids[4], dto.Cover?.Id); // the newest ready one: the newest photo is still processing
        using var bad = await Send(HttpMethod.Get, $"/api/albums/{album.Id}/photos?cursor=garbage", owner);
        await bad.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
    }

    [Fact]
    public async Task OnlyOwnPhotosGoIntoOwnAlbumsAndOthersAlbumsDoNotExist()
    {
        var owner = Owner.New();
        var stranger = Owner.New();
        var album = await CreateAlbumAsync(owner, "Mine");
        var (theirs, _) = await Client.AddReadyPhotoAsync(stranger, Ct);
        var (mine, _) = await Client.AddReadyPhotoAsync(owner, Ct);

        using var foreignPhoto = await Send(HttpMethod.Put, $"/api/albums/{album.Id}/photos/{theirs.Id}", owner);
        await foreignPhoto.AssertProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden, Ct);
        using var noPhoto = await Send(HttpMethod.Put, $"/api/albums/{album.Id}/photos/{Guid.NewGuid()}", owner);
        await noPhoto.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, $"/api/albums/{album.Id}", null),
            (HttpMethod.Get, $"/api/albums/{album.Id}/photos", null),
            (HttpMethod.Patch, $"/api/albums/{album.Id}", new AlbumPatchRequest(Title: "Taken")),
            (HttpMethod.Delete, $"/api/albums/{album.Id}", null),
            (HttpMethod.Put, $"/api/albums/{album.Id}/photos/{theirs.Id}", null),
            (HttpMethod.Post, $"/api/albums/{album.Id}/photos/{mine.Id}/move", new AlbumMoveRequest(null)),
            (HttpMethod.Get, $"/api/albums/{Guid.NewGuid()}", null),
        })
        {
            using var response = await Send(method, path, stranger, body);
            await response.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        using var notIn = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}/photos/{mine.Id}", owner);
        await notIn.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        using var anonymous = await Client.GetAsync("/api/albums", Ct);
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
        using var untitled = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest("   "));
        await untitled.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        using var long_ = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest(new string('a', 201)));
        await long_.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        Assert.Equal("Mine", (await GetAlbumAsync(owner, album.Id)).Title);
    }

    [Fact]
    public async Task MovesStartFromTheOrderShownAndFollowTheOwnerThroughRenumbering()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Ordered");
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
            ids.Add(photo.Id);
            await AddAsync(owner, album.Id, photo.Id);
        }

        // What the owner sees, and the model each move is checked against.
        var expected = Enumerable.Reverse(ids).ToList();
        Assert.Equal(expected, await ListAsync(owner, album.Id, pageSize: 4));

        await MoveAsync(owner, album.Id, ids[0], after: null, expected);
        Assert.Equal(AlbumOrder.Custom, (await GetAlbumAsync(owner, album.Id)).Order);
        Assert.Equal(expected, await ListAsync(owner, album.Id, pageSize: 4));

        // Always between the same two photos: the gap halves each time until the album must be renumbered (about ten moves).
        for (var i = 0; i < 14; i++)
        {
            var moving = expected[^1];
            await MoveAsync(owner, album.Id, moving, after: expected[0], expected);
        }

        Assert.Equal(expected, await ListAsync(owner, album.Id, pageSize: 4));
        Assert.Equal(expected, await ListAsync(owner, album.Id, pageSize: 1));

        using var self = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{ids[1]}/move", owner, new AlbumMoveRequest(ids[1]));
        await self.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        using var outsider = await Send(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{ids[1]}/move", owner, new AlbumMoveRequest(Guid.NewGuid()));
        await outsider.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);

        // A photo added later goes first in the owner's order; going back to newest first shows the taking order again.
        var (late, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        await AddAsync(owner, album.Id, late.Id);
        expected.Insert(0, late.Id);
        Assert.Equal(expected, await ListAsync(owner, album.Id, pageSize: 3));
        using var newest = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(Order: AlbumOrder.Newest));
        Assert.Equal(AlbumOrder.Newest, (await newest.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct)).Order);
        Assert.Equal([late.Id, .. Enumerable.Reverse(ids)], await ListAsync(owner, album.Id, pageSize: 3));
    }

    [Fact]
    public async Task TheChosenCoverStaysUntilItLeavesTheAlbumAndADeletedPhotoLeavesEveryAlbum()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Covers");
        var (older, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (newer, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        var (outside, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        await AddAsync(owner, album.Id, older.Id);
        await AddAsync(owner, album.Id, newer.Id);

        using var chosen = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(CoverPhotoId: older.Id));
        Assert.Equal(older.Id, (await chosen.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct)).Cover?.Id);
        using var notInAlbum = await Send(HttpMethod.Patch, $"/api/albums/{album.Id}", owner, new AlbumPatchRequest(CoverPhotoId: outside.Id));
        await notInAlbum.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);

        using (var removed = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}/photos/{older.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        Assert.Equal(newer.Id, (await GetAlbumAsync(owner, album.Id)).Cover?.Id);
        using (var deleted = await Send(HttpMethod.Delete, $"/api/photos/{newer.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var empty = await GetAlbumAsync(owner, album.Id);
        Assert.Equal((0, (Guid?)null), (empty.PhotoCount, empty.Cover?.Id));
    }

    [Fact]
    public async Task ARegistrationNamingAnAlbumPutsThePhotoThereAndAnUnknownAlbumRegistersNothing()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Straight in");
        var other = await CreateAlbumAsync(owner, "Also");
        var sha = GalleryCalls.NewSha256();

        var (created, photo) = await Client.RegisterAsync(GalleryCalls.Registration(owner, sha) with { AlbumId = album.Id }, Ct);
        var (again, same) = await Client.RegisterAsync(GalleryCalls.Registration(owner, sha) with { AlbumId = other.Id }, Ct);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, photo.Id), (created, again, same.Id));
        Assert.Equal([photo.Id], await ListAsync(owner, album.Id, pageSize: 10));
        Assert.Equal([photo.Id], await ListAsync(owner, other.Id, pageSize: 10));

        var strangersAlbum = await CreateAlbumAsync(Owner.New(), "Not yours");
        var lost = GalleryCalls.NewSha256();
        foreach (var albumId in new[] { strangersAlbum.Id, Guid.NewGuid() })
        {
            using var refused = await Client.PostAsJsonAsync(
                "/internal/photos", GalleryCalls.Registration(owner, lost) with { AlbumId = albumId }, ContractsJsonContext.Default.RegisterPhotoRequest, Ct);
            await refused.AssertProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound, Ct);
        }

        using var mine = await Send(HttpMethod.Get, $"/api/me/photos?sha256={lost}", owner);
        Assert.Empty((await mine.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct)).Items);
    }

    [Fact]
    public async Task AlbumChangesAreAnnouncedToTheirOwnerOnly()
    {
        var owner = Owner.New();
        var album = await CreateAlbumAsync(owner, "Announced");
        var (photo, _) = await Client.AddReadyPhotoAsync(owner, Ct);
        await AddAsync(owner, album.Id, photo.Id);
        using (var removed = await Send(HttpMethod.Delete, $"/api/albums/{album.Id}/photos/{photo.Id}", owner))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        string[] types = [EventTypes.AlbumUpdated, EventTypes.AlbumPhotoAdded, EventTypes.AlbumPhotoRemoved];
        var events = await redis.GetDatabase().WaitForStreamAsync(
            e => e["data"]?.Contains(album.Id.ToString(), StringComparison.Ordinal) == true,
            found => types.All(type => found.Any(e => e["type"] == type)),
            Ct);

        Assert.All(events, e => Assert.Equal(owner.Id, e["owner"]));
        Assert.Equal(types, events.Select(e => e["type"]!).Distinct());
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, Owner owner, object? body = null) =>
        await Client.SendAsync(method, path, owner, content: body is null ? null : JsonContent.Create(body, body.GetType(), options: System.Text.Json.JsonSerializerOptions.Web), cancellationToken: Ct);

    private async Task<AlbumDto> CreateAlbumAsync(Owner owner, string title)
    {
        using var response = await Send(HttpMethod.Post, "/api/albums", owner, new AlbumCreateRequest(title));
        return await response.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
    }

    private async Task<AlbumDto> GetAlbumAsync(Owner owner, Guid id)
    {
        using var response = await Send(HttpMethod.Get, $"/api/albums/{id}", owner);
        return await response.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
    }

    private async Task AddAsync(Owner owner, Guid albumId, Guid photoId)
    {
        using var response = await Send(HttpMethod.Put, $"/api/albums/{albumId}/photos/{photoId}", owner);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private async Task MoveAsync(Owner owner, Guid albumId, Guid photoId, Guid? after, List<Guid> expected)
    {
        using var response = await Send(HttpMethod.Post, $"/api/albums/{albumId}/photos/{photoId}/move", owner, new AlbumMoveRequest(after));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        expected.Remove(photoId);
        expected.Insert(after is { } anchor ? expected.IndexOf(anchor) + 1 : 0, photoId);
    }

    /// <summary>Every photo id of the album, page by page.</summary>
    private async Task<List<Guid>> ListAsync(Owner owner, Guid albumId, int pageSize)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            using var response = await Send(HttpMethod.Get, $"/api/albums/{albumId}/photos?limit={pageSize}{(cursor is null ? "" : "&cursor=" + cursor)}", owner);
            var page = await response.ReadAsync(ContractsJsonContext.Default.PhotoPage, Ct);
            Assert.InRange(page.Items.Count, 0, pageSize);
            ids.AddRange(page.Items.Select(p => p.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return ids;
    }
}

[Collection("sqlite")]
public sealed class SqliteAlbumTests(SqliteGalleryFixture fixture) : AlbumContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresAlbumTests(PostgresGalleryFixture fixture) : AlbumContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
