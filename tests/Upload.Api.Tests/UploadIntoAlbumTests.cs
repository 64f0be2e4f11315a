using System.Net;
using System.Net.Http.Json;
using Azure.Storage.Blobs.Specialized;
using Scrapbook.Contracts;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>Uploads that name an album, every way an upload can arrive, against the real Gallery.Api.</summary>
[Collection(UploadApiCollection.Name)]
public sealed class UploadIntoAlbumTests(UploadApiFixture servers)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachWayOfUploadingPutsThePhotoIntoTheNamedAlbum()
    {
        var jpeg = await TestImages.JpegAsync(320, 240, Cancellation);
        await using var server = LoopbackServer.Start(request =>
            request.RespondAsync(200, new Dictionary<string, string> { ["Content-Type"] = "image/jpeg" }, jpeg));
        await using var api = servers.CreateUploadApi(settings: new Dictionary<string, string?> { ["UrlFetch:AllowLoopbackForTesting"] = "true" });
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var album = await CreateAlbumAsync(client, "Everything");

        using var raw = await client.PostAsync($"/api/uploads?albumId={album}", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);
        using var form = Requests.Multipart(("field.png", TestImages.Png()));
        form.Add(new StringContent(album.ToString()), "albumId");
        using var multipart = await client.PostAsync("/api/uploads", form, Cancellation);
        using var url = await client.PostAsJsonAsync("/api/uploads/url", new { url = server.Url("/cat.jpg"), albumId = album }, Cancellation);
        var direct = TestImages.Png();
        using var started = await client.PostAsJsonAsync("/api/uploads/direct", new { size = direct.Length, contentType = "image/png", albumId = album }, Cancellation);
        var grant = (await started.Content.ReadFromJsonAsync<DirectUploadGrant>(Cancellation))!;
        await new BlockBlobClient(grant.UploadUrl).UploadAsync(new MemoryStream(direct), cancellationToken: Cancellation);
        using var completed = await client.PostAsync(grant.CompleteUrl, null, Cancellation);

        var ids = new List<Guid>();
        foreach (var response in new[] { raw, multipart, url, completed })
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await Requests.PhotoAsync(response)).Id);
        }

        Assert.Equal(ids.Order(), (await AlbumPhotosAsync(client, album)).Order());
    }

    [Fact]
    public async Task AnAlbumThatIsNotTheUploadersIsRefusedBeforeTheBodyIsReadAndAMalformedIdIs400()
    {
        await using var api = servers.CreateUploadApi();
        using var owner = await api.CreateOwnerClientAsync(Cancellation);
        using var stranger = await api.CreateOwnerClientAsync(Cancellation);
        var album = await CreateAlbumAsync(owner, "Private");
        var png = TestImages.Png();

        foreach (var target in new[] { album, Guid.NewGuid() })
        {
            using var refused = await stranger.PostAsync($"/api/uploads?albumId={target}", Requests.Raw(png, "image/png"), Cancellation);
            await HttpAssert.ProblemAsync(refused, HttpStatusCode.NotFound, ProblemTypes.NotFound);
            using var direct = await stranger.PostAsJsonAsync("/api/uploads/direct", new { size = png.Length, contentType = "image/png", albumId = target }, Cancellation);
            await HttpAssert.ProblemAsync(direct, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));

        // Named in a form field, it can only be checked once the body is in: registration refuses, nothing is registered.
        using var form = Requests.Multipart(("late.png", png));
        form.Add(new StringContent(album.ToString()), "albumId");
        using var late = await stranger.PostAsync("/api/uploads", form, Cancellation);
        await HttpAssert.ProblemAsync(late, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        using var gallery = GalleryAs(stranger);
        using var mine = await gallery.GetAsync($"api/me/photos?sha256={Requests.Sha256(png)}", Cancellation);
        Assert.Empty((await mine.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation))!.Items);

        using var malformed = await owner.PostAsync("/api/uploads?albumId=holiday", Requests.Raw(png, "image/png"), Cancellation);
        await HttpAssert.ProblemAsync(malformed, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        Assert.Empty(await AlbumPhotosAsync(owner, album));
    }

    [Fact]
    public async Task AGuestLinkTakesAnyOwnersUploadsIntoItsAlbumAndTheyStayTheGuests()
    {
        await using var api = servers.CreateUploadApi();
        using var owner = await api.CreateOwnerClientAsync(Cancellation);
        using var guest = await api.CreateOwnerClientAsync(Cancellation);
        var album = await CreateAlbumAsync(owner, "Wedding");
        var token = await CreateLinkAsync(owner, album, allowUploads: true);

        using var raw = await guest.PostAsync($"/api/shared/{token}/uploads?caption=First%20dance", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);
        using var form = Requests.Multipart(("cake.png", TestImages.Png()));
        form.Add(new StringContent("Cake"), "caption");
        using var multipart = await guest.PostAsync($"/api/shared/{token}/uploads", form, Cancellation);
        var ids = new List<Guid>();
        foreach (var response in new[] { raw, multipart })
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await Requests.PhotoAsync(response)).Id);
        }

        Assert.Equal(ids.Order(), (await AlbumPhotosAsync(owner, album)).Order());
        using (var gallery = GalleryAs(guest))
        {
            using var mine = await gallery.GetAsync("api/me/photos", Cancellation);
            Assert.Equal(ids.Order(), (await mine.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation))!.Items.Select(p => p.Id).Order());
        }

        // The link names the album: naming one as well is a mistake, not a way into another album.
        var other = await CreateAlbumAsync(owner, "Other");
        using var named = await guest.PostAsync($"/api/shared/{token}/uploads?albumId={other}", Requests.Raw(TestImages.Png(), "image/png"), Cancellation);
        await HttpAssert.ProblemAsync(named, HttpStatusCode.BadRequest, ProblemTypes.Malformed);
        Assert.Empty(await AlbumPhotosAsync(owner, other));
    }

    [Fact]
    public async Task AGuestUploadNeedsAnOwnerTokenAndALinkThatStillLetsGuestsAddPhotos()
    {
        await using var api = servers.CreateUploadApi();
        using var owner = await api.CreateOwnerClientAsync(Cancellation);
        using var guest = await api.CreateOwnerClientAsync(Cancellation);
        var album = await CreateAlbumAsync(owner, "Guarded");
        var guestLink = await CreateLinkAsync(owner, album, allowUploads: true);
        var viewOnly = await CreateLinkAsync(owner, album, allowUploads: false);
        var png = TestImages.Png();

        using var anonymous = api.CreateClient();
        using (var noToken = await anonymous.PostAsync($"/api/shared/{guestLink}/uploads", Requests.Raw(png, "image/png"), Cancellation))
        {
            await HttpAssert.ProblemAsync(noToken, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        }

        using (var notForUploads = await guest.PostAsync($"/api/shared/{viewOnly}/uploads", Requests.Raw(png, "image/png"), Cancellation))
        {
            await HttpAssert.ProblemAsync(notForUploads, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        }

        // Revoked, unknown or malformed: one 404, before a byte of the body is stored.
        using (var gallery = GalleryAs(owner))
        {
            using var links = await gallery.GetAsync("api/me/links", Cancellation);
            var id = (await links.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkPage, Cancellation))!.Items.Single(l => l.AllowUploads).Id;
            using var revoked = await gallery.DeleteAsync($"api/me/links/{id}", Cancellation);
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        var details = new HashSet<string?>();
        foreach (var token in new[] { guestLink, new string('A', 43), "not-a-token" })
        {
            using var dead = await guest.PostAsync($"/api/shared/{token}/uploads", Requests.Raw(png, "image/png"), Cancellation);
            details.Add((await HttpAssert.ProblemAsync(dead, HttpStatusCode.NotFound, ProblemTypes.NotFound)).Detail);
        }

        Assert.Single(details);
        Assert.Null(await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
        Assert.Empty(await AlbumPhotosAsync(owner, album));

        // Links cannot be checked while Gallery.Api is away: a 503 to try again, not a 404 that says the link is dead.
        await using var cutOff = servers.CreateUploadApi(gallery: servers.DeadGallery);
        using var stranded = await cutOff.CreateOwnerClientAsync(Cancellation);
        using var unavailable = await stranded.PostAsync($"/api/shared/{viewOnly}/uploads", Requests.Raw(png, "image/png"), Cancellation);
        await HttpAssert.ProblemAsync(unavailable, HttpStatusCode.ServiceUnavailable, ProblemTypes.DependencyDown);
    }

    private async Task<string> CreateLinkAsync(HttpClient owner, Guid album, bool allowUploads)
    {
        using var gallery = GalleryAs(owner);
        using var response = await gallery.PostAsJsonAsync(
            $"api/albums/{album}/links", new ShareLinkCreateRequest(AllowUploads: allowUploads), ContractsJsonContext.Default.ShareLinkCreateRequest, Cancellation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ShareLinkDto, Cancellation))!.Url![3..];
    }

    /// <summary>A client of the real Gallery.Api (the API's own clients only reach the in-memory host) with the same owner token.</summary>
    private HttpClient GalleryAs(HttpClient owner) =>
        new() { BaseAddress = servers.Gallery.BaseAddress, DefaultRequestHeaders = { Authorization = owner.DefaultRequestHeaders.Authorization } };

    private async Task<Guid> CreateAlbumAsync(HttpClient owner, string title)
    {
        using var gallery = GalleryAs(owner);
        using var response = await gallery.PostAsJsonAsync("api/albums", new AlbumCreateRequest(title), ContractsJsonContext.Default.AlbumCreateRequest, Cancellation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.AlbumDto, Cancellation))!.Id;
    }

    private async Task<List<Guid>> AlbumPhotosAsync(HttpClient owner, Guid album)
    {
        using var gallery = GalleryAs(owner);
        using var response = await gallery.GetAsync($"api/albums/{album}/photos?limit=100", Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation))!.Items.Select(p => p.Id)];
    }
}
