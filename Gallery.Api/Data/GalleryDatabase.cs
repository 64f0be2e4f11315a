using System.Data;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Scrapbook.Gallery.Api.Data;

/// <summary>The SQL engines Gallery.Api runs on.</summary>
internal enum SqlEngine
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Opens connections to the gallery database named by <c>ConnectionStrings:gallerydb</c>: <c>Data Source=…</c>
/// selects SQLite, <c>Host=…</c> PostgreSQL. Every write goes through <see cref="BeginWriteAsync"/>, which
/// serializes writers so that outbox sequence numbers commit in the order they were taken.
/// </summary>
internal sealed class GalleryDatabase
{
    // Writers take this transaction-scoped advisory lock on PostgreSQL. Without it, a transaction that took
    // outbox sequence 5 could commit after one that took 6; the relay would append 6 to the stream first and
    // then see XADD of 5 refused as "already sent". SQLite's BEGIN IMMEDIATE serializes writers by itself.
    private const long WriteLockKey = 0x5C4A_9B00_0001;

    private readonly string _connectionString;

    static GalleryDatabase() => DapperSetup.Register();

    public GalleryDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Engine = DetectEngine(connectionString);
        _connectionString = Engine == SqlEngine.Sqlite ? PrepareSqlite(connectionString) : connectionString;
    }

    public SqlEngine Engine { get; }

    /// <summary>The engine a connection string selects; throws with a clear message when it selects neither.</summary>
    public static SqlEngine DetectEngine(string connectionString)
    {
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException("ConnectionStrings:gallerydb is not a connection string: " + exception.Message, exception);
        }

        if (builder.ContainsKey("Host") || builder.ContainsKey("Server"))
        {
            return SqlEngine.Postgres;
        }

        if (builder.ContainsKey("Data Source") || builder.ContainsKey("DataSource") || builder.ContainsKey("Filename"))
        {
            return SqlEngine.Sqlite;
        }

        throw new InvalidOperationException(
            "ConnectionStrings:gallerydb must say 'Data Source=<file>' (SQLite) or 'Host=<host>;…' (PostgreSQL).");
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection = Engine == SqlEngine.Sqlite
            ? new SqliteConnection(_connectionString)
            : new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a connection and a write transaction that holds the database's writer lock until it ends.</summary>
    public async Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // Microsoft.Data.Sqlite's default (serializable, not deferred) transaction is BEGIN IMMEDIATE.
            var transaction = await connection.BeginTransactionAsync(IsolationLevelFor(Engine), cancellationToken);
            if (Engine == SqlEngine.Postgres)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_xact_lock(@key)", new { key = WriteLockKey }, transaction, cancellationToken: cancellationToken));
            }

            return new WriteScope(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static IsolationLevel IsolationLevelFor(SqlEngine engine) =>
        engine == SqlEngine.Sqlite ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted;

    private static string PrepareSqlite(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            // Microsoft.Data.Sqlite retries SQLITE_BUSY until the command timeout, so writers queue instead of failing.
            DefaultTimeout = Math.Max(new SqliteConnectionStringBuilder(connectionString).DefaultTimeout, 30),
        };
        if (builder.Mode == SqliteOpenMode.ReadWriteCreate && !string.IsNullOrEmpty(builder.DataSource)
            && builder.DataSource != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        return builder.ToString();
    }
}

/// <summary>A connection with an open write transaction; disposing without <see cref="CommitAsync"/> rolls back.</summary>
internal sealed class WriteScope(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
