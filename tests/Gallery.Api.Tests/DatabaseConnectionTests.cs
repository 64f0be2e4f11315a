using Npgsql;
using Scrapbook.Gallery.Api.Data;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>How <c>ConnectionStrings:gallerydb</c> picks the engine and, on PostgreSQL, how Gallery.Api signs in.</summary>
public sealed class DatabaseConnectionTests
{
    [Theory]
    [InlineData("Data Source=gallery.db", "Sqlite")]
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=gallerydb", "Postgres")]
    [InlineData("Host=psql-x.postgres.database.azure.com;Database=gallerydb;Username=id-scrapbook;Ssl Mode=Require", "Postgres")]
    public void TheConnectionStringPicksTheEngine(string connectionString, string engine) =>
        Assert.Equal(Enum.Parse<SqlEngine>(engine), GalleryDatabase.DetectEngine(connectionString));

    [Theory]
    // As infra/ writes it: an Azure server, the identity's name, no password.
    [InlineData("Host=psql-x.postgres.database.azure.com;Database=gallerydb;Username=id-scrapbook;Ssl Mode=Require", true)]
    [InlineData("Host=psql-x.postgres.database.usgovcloudapi.net;Database=gallerydb;Username=id-scrapbook", true)]
    // A password given is a password used, on Azure as anywhere.
    [InlineData("Host=psql-x.postgres.database.azure.com;Database=gallerydb;Username=admin;Password=secret", false)]
    // Local servers (the AppHost's, the tests' trust-authenticated one) never ask Microsoft Entra for a token.
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres;Database=gallerydb", false)]
    [InlineData("Host=db.example.org;Username=app;Database=gallerydb", false)]
    public void OnlyAnAzureServerNamedWithoutAPasswordSignsInWithAnEntraToken(string connectionString, bool entra) =>
        Assert.Equal(entra, GalleryDatabase.UsesEntraToken(new NpgsqlConnectionStringBuilder(connectionString)));
}
