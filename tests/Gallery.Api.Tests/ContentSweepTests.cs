using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Storage;
using Scrapbook.Testing;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>
/// The clean-up of originals and renditions no photo uses (the content sweep, and the clean-up after a photo's delete),
/// against real Azurite and the database, run once per SQL engine by the sealed subclasses below.
/// </summary>
public abstract class ContentSweepTests(GalleryFixture fixture)
{
    private static readonly TimeSpan s_grace = TimeSpan.FromHours(1);

    private static readonly string[] s_presets = ["thumb", "small", "large"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private GalleryApp App => fixture.App;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task AnOriginalAndRenditionsNoPhotoUsesAreDeletedOnceOlderThanTheGracePeriodAndUsedOnesKept()
    {
        var orphan = await PutContentAsync(GalleryCalls.NewSha256());
        var used = await PutContentAsync(GalleryCalls.NewSha256());
        await Client.RegisterAsync(GalleryCalls.Registration(Owner.New(), used), Ct);

        var result = await Sweep(clockAhead: 2 * s_grace).RunAsync(Ct);

        Assert.True(result.Deleted >= 4, $"deleted {result.Deleted}");
        Assert.Empty(await KeysAsync(orphan));
        Assert.Equal(4, (await KeysAsync(used)).Count);
    }

    [Fact]
    public async Task UnusedContentYoungerThanTheGracePeriodIsKept()
    {
        var sha = await PutContentAsync(GalleryCalls.NewSha256());

        await Sweep(clockAhead: s_grace / 2).RunAsync(Ct);

        Assert.Equal(4, (await KeysAsync(sha)).Count);
    }

    [Fact]
    public async Task ContentAnotherOwnerStillUsesIsKeptAfterTheFirstOwnerDeletedTheirPhotoOfTheSameBytes()
    {
        var sha = await PutContentAsync(GalleryCalls.NewSha256());
        var first = Owner.New();
        var (_, mine) = await Client.RegisterAsync(GalleryCalls.Registration(first, sha), Ct);
        await Client.RegisterAsync(GalleryCalls.Registration(Owner.New(), sha), Ct);
        using var delete = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{mine.Id}", first, cancellationToken: Ct);
        Assert.True(delete.IsSuccessStatusCode);

        await Sweep(clockAhead: 2 * s_grace).RunAsync(Ct);

        Assert.Equal(4, (await KeysAsync(sha)).Count);
    }

    [Fact]
    public async Task ABlobTouchedBetweenTheListingAndTheDeleteIsKept()
    {
        var sha = GalleryCalls.NewSha256();
        await PutBlobAsync(BlobKeys.Original(sha));
        var blobs = new InterceptingBlobStore(App.Blobs)
        {
            // An upload of the same bytes found the original and touched it after the sweep listed it.
            BeforeConditionalDelete = key => key == BlobKeys.Original(sha) ? App.Blobs.TouchAsync(key, Ct) : Task.CompletedTask,
        };

        var result = await Sweep(clockAhead: 2 * s_grace, blobs).RunAsync(Ct);

        Assert.NotNull(await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha), Ct));
        Assert.True(result.Changed >= 1);
    }

    [Fact]
    public async Task APhotoRegisteredWhileItsRenditionsWereSweptIsSentToTheWorkerAgain()
    {
        var sha = await PutContentAsync(GalleryCalls.NewSha256());
        PhotoDto? registered = null;
        var blobs = new InterceptingBlobStore(App.Blobs)
        {
            // The same bytes uploaded again after the sweep found no photo using them, before it deleted the renditions.
            BeforeConditionalDelete = async key =>
            {
                if (registered is null && key.StartsWith(BlobKeys.RenditionPrefix(sha), StringComparison.Ordinal))
                {
                    (_, registered) = await Client.RegisterAsync(GalleryCalls.Registration(Owner.New(), sha), Ct);
                }
            },
        };

        var result = await Sweep(clockAhead: 2 * s_grace, blobs).RunAsync(Ct);

        Assert.NotNull(registered);
        Assert.True(result.RenderedAgain >= 1);
        Assert.Equal(2, await CountJobsAsync(registered.Id)); // the registration's, and the sweep's
    }

    [Fact]
    public async Task DeletingAPhotoKeepsAnOriginalAnotherUploadTouchedWhileItsBlobsWereBeingDeleted()
    {
        var sha = GalleryCalls.NewSha256();
        await PutBlobAsync(BlobKeys.Original(sha));
        var blobs = new InterceptingBlobStore(App.Blobs)
        {
            BeforeConditionalDelete = key => key == BlobKeys.Original(sha) ? App.Blobs.TouchAsync(key, Ct) : Task.CompletedTask,
        };

        // As after the last photo of these bytes was deleted.
        await Cleaner(blobs).DeleteContentAsync(sha, Ct);

        Assert.NotNull(await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha), Ct));
    }

    [Fact]
    public async Task DeletingAPhotoKeepsTheContentOfAPhotoOfTheSameBytesRegisteredJustAfterIt()
    {
        var sha = await PutContentAsync(GalleryCalls.NewSha256());
        var first = Owner.New();
        var (_, mine) = await Client.RegisterAsync(GalleryCalls.Registration(first, sha), Ct);
        var photos = App.Services.GetRequiredService<PhotoStore>();
        Assert.True((await photos.DeleteAsync(mine.Id, Ct))!.LastUseOfContent);
        var blobs = new InterceptingBlobStore(App.Blobs)
        {
            // Another owner's upload of the same bytes registers once the delete has committed, as the clean-up starts.
            BeforeGetProperties = async key =>
            {
                if (key == BlobKeys.Original(sha))
                {
                    await Client.RegisterAsync(GalleryCalls.Registration(Owner.New(), sha), Ct);
                }
            },
        };

        await Cleaner(blobs).DeleteContentAsync(sha, Ct);

        Assert.Equal(4, (await KeysAsync(sha)).Count);
    }

    [Fact]
    public async Task TheRunningServiceSweepsWithTheGracePeriodAndIntervalFromConfiguration()
    {
        var sha = GalleryCalls.NewSha256();
        await PutBlobAsync(BlobKeys.Original(sha));
        var settings = await fixture.IsolatedSettingsAsync(Ct);
        settings["Outbox:Enabled"] = "false";
        settings["Cleanup:GracePeriod"] = "00:00:01";
        settings["Cleanup:Interval"] = "00:00:01";

        // Its own database has no photos: everything in the container older than a second is unused to it, which is
        // harmless here since every test of this class makes content of its own.
        await using var app = new GalleryApp(settings);
        _ = app.Server;

        var deadline = DateTime.UtcNow + GalleryCalls.Deadline;
        while (await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha), Ct) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "The sweep never deleted the unused original.");
            await Task.Delay(100, Ct);
        }
    }

    [Theory]
    [InlineData("Cleanup:GracePeriod", "00:00:00")]
    [InlineData("Cleanup:Interval", "-00:00:01")]
    [InlineData("Cleanup:BatchSize", "0")]
    public async Task AMisconfiguredCleanupStopsGalleryApiAtStartWithTheSettingNamed(string key, string value)
    {
        var settings = fixture.Settings(await fixture.CreateDatabaseAsync(Ct));
        settings[key] = value;
        await using var app = new GalleryApp(settings);

        var failure = Assert.ThrowsAny<Exception>(() => app.Server);

        Assert.Contains(key.Split(':')[1], failure.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("originals/", "originals/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", true)]
    [InlineData("renditions/", "renditions/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/thumb.webp", true)]
    [InlineData("originals/", "originals/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("originals/", "originals/abc", false)]
    [InlineData("renditions/", "renditions/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/", false)]
    [InlineData("renditions/", "renditions/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/x/thumb.webp", false)]
    public void OnlyKeysShapedAsContentHashesAreSweptAtAll(string prefix, string key, bool swept) =>
        Assert.Equal(swept, ContentSweep.ContentHashOf(key, prefix) is not null);

    private ContentSweep Sweep(TimeSpan clockAhead, IBlobStore? blobs = null) => new(
        blobs ?? App.Blobs,
        App.Services.GetRequiredService<PhotoStore>(),
        new FakeTimeProvider(DateTimeOffset.UtcNow + clockAhead),
        // Small batches: a pass checks the database several times.
        Options.Create(new CleanupOptions { GracePeriod = s_grace, BatchSize = 2 }),
        NullLogger<ContentSweep>.Instance);

    private ContentCleaner Cleaner(IBlobStore blobs) =>
        new(blobs, Sweep(TimeSpan.Zero, blobs), NullLogger<ContentCleaner>.Instance);

    /// <summary>An original and three renditions of <paramref name="sha256"/>.</summary>
    private async Task<string> PutContentAsync(string sha256)
    {
        await PutBlobAsync(BlobKeys.Original(sha256));
        foreach (var preset in s_presets)
        {
            await PutBlobAsync(BlobKeys.Rendition(sha256, preset, "webp"));
        }

        return sha256;
    }

    private async Task<List<string>> KeysAsync(string sha256)
    {
        var keys = await App.Blobs.ListAsync(BlobKeys.RenditionPrefix(sha256), Ct).Select(item => item.Key).ToListAsync(Ct);
        if (await App.Blobs.GetPropertiesAsync(BlobKeys.Original(sha256), Ct) is not null)
        {
            keys.Add(BlobKeys.Original(sha256));
        }

        return keys;
    }

    private async Task PutBlobAsync(string key)
    {
        using var content = new MemoryStream([1, 2, 3]);
        await App.Blobs.PutIfAbsentAsync(key, content, "application/octet-stream", Ct);
    }

    private async Task<long> CountJobsAsync(Guid photoId)
    {
        await using var connection = await App.Services.GetRequiredService<GalleryDatabase>().OpenAsync(Ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'job' AND payload LIKE @pattern", new { pattern = $"%{photoId}%" }, cancellationToken: Ct));
    }
}

[Collection("sqlite")]
public sealed class SqliteContentSweepTests(SqliteGalleryFixture fixture) : ContentSweepTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresContentSweepTests(PostgresGalleryFixture fixture) : ContentSweepTests(fixture), IClassFixture<PostgresGalleryFixture>;
