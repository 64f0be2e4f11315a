using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>"Export my scrapbook", run once per SQL engine by the sealed subclasses below.</summary>
public abstract class ExportContractTests(GalleryFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task TheExportHoldsEveryOriginalAndAManifestOfCaptionsSourcesAndAlbumsInOrder()
    {
        var owner = Owner.New();
        var (older, olderSha) = await Client.AddReadyPhotoAsync(owner, Ct);
        var sourced = GalleryCalls.Registration(owner, caption: "From the web") with { Source = new PhotoSource("https://birds.example/heron", "Herons") };
        var (_, newer) = await Client.RegisterAsync(sourced, Ct);
        var (lost, _) = await Client.AddReadyPhotoAsync(owner, Ct); // its original was never stored
        var (strangers, strangerSha) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);
        var bytes = new Dictionary<string, byte[]> { [olderSha] = [1, 2, 3, 4], [sourced.Sha256] = [5, 6, 7], [strangerSha] = [9] };
        foreach (var (sha, content) in bytes)
        {
            await fixture.App.Blobs.PutIfAbsentAsync(BlobKeys.Original(sha), new MemoryStream(content), "image/jpeg", Ct);
        }

        using var created = await Client.SendAsync(HttpMethod.Post, "/api/albums", owner, content: JsonContent.Create(new AlbumCreateRequest("Trip"), ContractsJsonContext.Default.AlbumCreateRequest), cancellationToken: Ct);
        var album = await created.ReadAsync(ContractsJsonContext.Default.AlbumDto, Ct);
        foreach (var id in new[] { older.Id, newer.Id })
        {
            using var added = await Client.SendAsync(HttpMethod.Put, $"/api/albums/{album.Id}/photos/{id}", owner, cancellationToken: Ct);
            Assert.Equal(HttpStatusCode.NoContent, added.StatusCode);
        }

        using (var moved = await Client.SendAsync(HttpMethod.Post, $"/api/albums/{album.Id}/photos/{older.Id}/move", owner, content: JsonContent.Create(new AlbumMoveRequest(null), ContractsJsonContext.Default.AlbumMoveRequest), cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, moved.StatusCode);
        }

        using var response = await Client.SendAsync(HttpMethod.Get, "/api/me/export", owner, cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment; filename=\"scrapbook-", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        await using var zip = await ZipArchive.CreateAsync(new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct)), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, Ct);
        using var manifest = await JsonDocument.ParseAsync(await zip.GetEntry("scrapbook.json")!.OpenAsync(Ct), cancellationToken: Ct);
        var photos = manifest.RootElement.GetProperty("photos").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetGuid());

        Assert.Equal([older.Id, newer.Id, lost.Id], photos.Keys.Order().ToArray().Order());
        Assert.DoesNotContain(strangers.Id, photos.Keys);
        foreach (var (id, sha) in new[] { (older.Id, olderSha), (newer.Id, sourced.Sha256) })
        {
            var file = photos[id].GetProperty("file").GetString()!;
            Assert.Matches($"^photos/\\d{{4}}-\\d{{2}}-\\d{{2}}_\\d{{6}}_{id:N}\\.jpg$", file);
            await using var entry = await zip.GetEntry(file)!.OpenAsync(Ct);
            using var copy = new MemoryStream();
            await entry.CopyToAsync(copy, Ct);
            Assert.Equal(bytes[sha], copy.ToArray());
        }

        Assert.False(photos[lost.Id].TryGetProperty("file", out _));
        Assert.Equal("From the web", photos[newer.Id].GetProperty("caption").GetString());
        Assert.Equal("https://birds.example/heron", photos[newer.Id].GetProperty("source").GetProperty("url").GetString());
        var albums = manifest.RootElement.GetProperty("albums").EnumerateArray().ToList();
        var trip = Assert.Single(albums);
        Assert.Equal(("Trip", "custom"), (trip.GetProperty("title").GetString(), trip.GetProperty("order").GetString()));
        Assert.Equal([older.Id, newer.Id], trip.GetProperty("photos").EnumerateArray().Select(p => p.GetGuid()));
        Assert.Equal(4, zip.Entries.Count(e => e.FullName.StartsWith("photos/", StringComparison.Ordinal)) + 2);

        using var anonymous = await Client.GetAsync("/api/me/export", Ct);
        await anonymous.AssertProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized, Ct);
    }
}

[Collection("sqlite")]
public sealed class SqliteExportTests(SqliteGalleryFixture fixture) : ExportContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresExportTests(PostgresGalleryFixture fixture) : ExportContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
