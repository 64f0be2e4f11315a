using Scrapbook.Gallery.Api.Data;
using Scrapbook.Testing;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>
/// Real Redis and Azurite, a database on one SQL engine, and Gallery.Api hosted in-process on it. One per test
/// class: the outbox sequence is the Redis stream id, so one database never shares a stream with another.
/// </summary>
public abstract class GalleryFixture : IAsyncLifetime
{
    private GalleryApp? _app;
    private int _redisDatabases;

    public RedisServer Redis { get; } = new();

    public AzuriteServer Azurite { get; } = new();

    public string AdminKey { get; } = "admin-" + Guid.NewGuid().ToString("N");

    internal abstract SqlEngine Engine { get; }

    /// <summary>The in-process Gallery.Api every test of the class talks to.</summary>
    public GalleryApp App => _app ?? throw new InvalidOperationException("The fixture has not started.");

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Redis.InitializeAsync().AsTask(), Azurite.InitializeAsync().AsTask(), StartDatabaseServerAsync());
        _app = new GalleryApp(Settings(await CreateDatabaseAsync()));
        _ = _app.Server;
    }

    /// <summary>
    /// Settings for a second Gallery.Api of its own: a fresh database, and a Redis database of its own (Redis has 16), so
    /// that its events stream starts empty. Its outbox numbers from 1 again, and in the fixture's stream Redis would
    /// refuse those ids as already sent.
    /// </summary>
    public async Task<Dictionary<string, string?>> IsolatedSettingsAsync(CancellationToken cancellationToken = default)
    {
        var redisDatabase = Interlocked.Increment(ref _redisDatabases);
        if (redisDatabase > 15)
        {
            throw new InvalidOperationException("Redis has 16 databases; a test class may make at most 15 isolated apps.");
        }

        return Settings(await CreateDatabaseAsync(cancellationToken), $"{Redis.ConnectionString},defaultDatabase={redisDatabase}");
    }

    /// <summary>A fresh, empty database on this engine.</summary>
    public abstract Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default);

    /// <summary>Configuration as an orchestrator hands it to Gallery.Api, on <paramref name="databaseConnectionString"/>.</summary>
    public Dictionary<string, string?> Settings(string databaseConnectionString, string? redisConnectionString = null) => new()
    {
        ["ConnectionStrings:gallerydb"] = databaseConnectionString,
        ["ConnectionStrings:redis"] = redisConnectionString ?? Redis.ConnectionString,
        ["ConnectionStrings:blobs"] = Azurite.ConnectionString,
        ["ConnectionStrings:queues"] = Azurite.ConnectionString,
        ["Admin:Key"] = AdminKey,
        ["Outbox:PollInterval"] = "00:00:00.200",
        ["Outbox:RetryDelay"] = "00:00:00.200",

        // Webhook receivers in these tests listen on 127.0.0.1.
        ["Webhooks:AllowLoopback"] = "true",
        ["Webhooks:PollInterval"] = "00:00:00.100",
        ["Webhooks:InitialRetryDelay"] = "00:00:00.200",
    };

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        // Each step runs whatever the one before did: a failing app shutdown must not leave servers running.
        try
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
        finally
        {
            try
            {
                await Redis.DisposeAsync();
            }
            finally
            {
                try
                {
                    await Azurite.DisposeAsync();
                }
                finally
                {
                    await StopDatabaseServerAsync();
                }
            }
        }
    }

    protected virtual Task StartDatabaseServerAsync() => Task.CompletedTask;

    protected virtual ValueTask StopDatabaseServerAsync() => ValueTask.CompletedTask;
}

public sealed class SqliteGalleryFixture : GalleryFixture
{
    private readonly TempDirectory _data = new("scrapbook-gallery-sqlite");
    private int _databases;

    internal override SqlEngine Engine => SqlEngine.Sqlite;

    public override Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult($"Data Source={Path.Combine(_data.Path, $"gallery{Interlocked.Increment(ref _databases)}.db")}");

    protected override ValueTask StopDatabaseServerAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _data.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresGalleryFixture : GalleryFixture
{
    private readonly PostgresServer _postgres = new();

    internal override SqlEngine Engine => SqlEngine.Postgres;

    public override Task<string> CreateDatabaseAsync(CancellationToken cancellationToken = default) =>
        _postgres.CreateDatabaseAsync(cancellationToken: cancellationToken);

    protected override Task StartDatabaseServerAsync() => _postgres.InitializeAsync().AsTask();

    protected override async ValueTask StopDatabaseServerAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await _postgres.DisposeAsync();
    }
}
