using Aspire.Hosting.Testing;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>The AppHost asked for PostgreSQL (<c>--Database postgres</c>) instead of the default SQLite file.</summary>
public sealed class PostgresTests
{
    [Fact]
    public async Task WithDatabasePostgresGalleryApiRunsOnPostgreSqlAndAnUploadBecomesReady()
    {
        var cancellation = TestContext.Current.CancellationToken;
        // The password given, so that nothing is written to the developer's user secrets.
        await using var system = new ScrapbookApp { ExtraArguments = ["--Database=postgres", $"--Parameters:postgres-password={Guid.NewGuid():N}"] };
        await system.InitializeAsync();

        await system.App.ResourceNotifications.WaitForResourceHealthyAsync("postgres", cancellation);
        var connectionString = await system.App.GetConnectionStringAsync("gallerydb", cancellation);
        Assert.StartsWith("Host=127.0.0.1;", connectionString, StringComparison.Ordinal);
        Assert.EndsWith(";Database=gallerydb", connectionString, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(system.DataDirectory, "postgres", "pgdata", "PG_VERSION")));
        Assert.False(File.Exists(Path.Combine(system.DataDirectory, "gallerydb.db")));

        var photo = await system.UploadNewPhotoAsync("postgres.jpg", cancellation);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
    }
}
