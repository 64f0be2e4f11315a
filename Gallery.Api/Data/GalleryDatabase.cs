using System.Data;
using System.Data.Common;
using Azure.Core;
using Azure.Identity;
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
/// selects SQLite, <c>Host=…</c> PostgreSQL. Every write goes through <see cref="BeginWriteAsync"/>; the outbox
/// relay numbers committed rows in a transaction from <see cref="BeginOutboxNumberingAsync"/>.
/// </summary>
internal sealed class GalleryDatabase : IAsyncDisposable
{
    // WriteScope.LockAsync's two-key advisory locks: PostgreSQL keeps them apart from the one-key locks below and
    // the migrator's, so a name's hash never meets those.
    public const int NamedLockSpace = 0x5C4A_0001;

    // Only relays take this transaction-scoped advisory lock on PostgreSQL, never writers, so writers run side by
    // side. Numbering reads the highest sequence given so far and gives the next ones: two relays (of two replicas)
    // doing that at once would read the same highest and hand out the same numbers. SQLite's BEGIN IMMEDIATE
    // serializes relays (and writers) by itself.
    private const long OutboxNumberingLockKey = 0x5C4A_9B00_0003;

    // Azure Database for PostgreSQL takes a Microsoft Entra access token for this audience as the password.
    private const string EntraTokenScope = "https://ossrdbms-aad.database.windows.net/.default";

    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _postgres;

    static GalleryDatabase() => DapperSetup.Register();

    public GalleryDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Engine = DetectEngine(connectionString);
        _connectionString = Engine == SqlEngine.Sqlite ? PrepareSqlite(connectionString) : connectionString;
        _postgres = Engine == SqlEngine.Postgres ? CreatePostgresDataSource(connectionString) : null;
    }

    public SqlEngine Engine { get; }

    public ValueTask DisposeAsync() => _postgres?.DisposeAsync() ?? ValueTask.CompletedTask;

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
        DbConnection connection = _postgres is not null
            ? _postgres.CreateConnection()
            : new SqliteConnection(_connectionString);
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

    /// <summary>
    /// Opens a connection and a write transaction. PostgreSQL writers do not wait for each other here: a writer that
    /// reads a row to change it locks it (<see cref="WriteScope.ForUpdate"/>), and the outbox is numbered after commit.
    /// SQLite writers take turns (BEGIN IMMEDIATE).
    /// </summary>
    public Task<WriteScope> BeginWriteAsync(CancellationToken cancellationToken = default) => BeginAsync(lockKey: null, cancellationToken);

    /// <summary>
    /// A write transaction for numbering outbox rows, holding the numbering lock until it ends: relays of every
    /// replica take turns here, writers never wait for it.
    /// </summary>
    public Task<WriteScope> BeginOutboxNumberingAsync(CancellationToken cancellationToken = default) => BeginAsync(OutboxNumberingLockKey, cancellationToken);

    private async Task<WriteScope> BeginAsync(long? lockKey, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        try
        {
            // Microsoft.Data.Sqlite's default (serializable, not deferred) transaction is BEGIN IMMEDIATE.
            var transaction = await connection.BeginTransactionAsync(IsolationLevelFor(Engine), cancellationToken);
            if (Engine == SqlEngine.Postgres && lockKey is { } key)
            {
                // A statement of its own: under READ COMMITTED the next statement's snapshot is taken after the lock
                // is held, so it sees everything the previous holder committed.
                await connection.ExecuteAsync(new CommandDefinition(
                    "SELECT pg_advisory_xact_lock(@key)", new { key }, transaction, cancellationToken: cancellationToken));
            }

            return new WriteScope(connection, transaction, Engine);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static IsolationLevel IsolationLevelFor(SqlEngine engine) =>
        engine == SqlEngine.Sqlite ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted;

    /// <summary>
    /// A data source for the connection string. An Azure Database for PostgreSQL server named without a password signs
    /// in with Microsoft Entra: the password is an access token from <see cref="DefaultAzureCredential"/> (the managed
    /// identity in Azure, whose name is the user name), fetched again before it expires.
    /// </summary>
    internal static NpgsqlDataSource CreatePostgresDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (UsesEntraToken(builder.ConnectionStringBuilder))
        {
            var credential = new DefaultAzureCredential();
            builder.UsePeriodicPasswordProvider(
                async (_, cancellationToken) => (await credential.GetTokenAsync(new TokenRequestContext([EntraTokenScope]), cancellationToken)).Token,
                successRefreshInterval: TimeSpan.FromMinutes(45),
                failureRefreshInterval: TimeSpan.FromSeconds(10));
        }

        return builder.Build();
    }

    /// <summary>No password, no password file, and a host in Azure's <c>*.postgres.database.*</c> zones.</summary>
    internal static bool UsesEntraToken(NpgsqlConnectionStringBuilder connection) =>
        string.IsNullOrEmpty(connection.Password)
        && string.IsNullOrEmpty(connection.Passfile)
        && connection.Host is { } host
        && host.Split(',').All(h => h.Contains(".postgres.database.", StringComparison.OrdinalIgnoreCase));

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
internal sealed class WriteScope(DbConnection connection, DbTransaction transaction, SqlEngine engine) : IAsyncDisposable
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    /// <summary>
    /// Ends a SELECT whose rows this transaction goes on to change: they stay locked until it ends, so a concurrent
    /// writer's change is neither overwritten nor decided on from a stale read. Empty on SQLite, whose writers take turns.
    /// </summary>
    public string ForUpdate => engine == SqlEngine.Postgres ? " FOR UPDATE" : "";

    /// <summary>As <see cref="ForUpdate"/>, for rows this transaction's decision rests on but that it leaves as they are.</summary>
    public string ForShare => engine == SqlEngine.Postgres ? " FOR SHARE" : "";

    /// <summary>
    /// Holds a lock on <paramref name="name"/> until the transaction ends, for writers that must take turns over
    /// something no existing row stands for (rows yet to be inserted). The lock is keyed by a 32-bit hash of the
    /// name: two names that hash alike merely take turns too. Nothing to do on SQLite, whose writers take turns.
    /// </summary>
    public async Task LockAsync(string name, CancellationToken cancellationToken = default)
    {
        if (engine == SqlEngine.Postgres)
        {
            await Connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_xact_lock(@space, hashtext(@name))", new { space = GalleryDatabase.NamedLockSpace, name }, Transaction, cancellationToken: cancellationToken));
        }
    }

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
