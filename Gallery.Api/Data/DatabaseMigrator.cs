using System.Data.Common;
using System.Reflection;
using Dapper;

namespace Scrapbook.Gallery.Api.Data;

/// <summary>
/// Applies the embedded, versioned scripts (<c>Data/Migrations/{engine}/NNNN_name.sql</c>) that the database has
/// not seen, in order, each with its <c>schema_migrations</c> row in the same transaction. Safe when several
/// replicas start at once: PostgreSQL replicas queue on a session advisory lock; SQLite ones on BEGIN IMMEDIATE.
/// </summary>
internal sealed partial class DatabaseMigrator(GalleryDatabase database, ILogger<DatabaseMigrator> logger)
{
    private const long MigrationLockKey = 0x5C4A_9B00_0002;

    private const string CreateHistory =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

    public static IReadOnlyList<Migration> Load(SqlEngine engine)
    {
        var folder = engine == SqlEngine.Sqlite ? "sqlite" : "postgres";
        var prefix = $"Migrations/{folder}/";
        var assembly = typeof(DatabaseMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal) || !resource.EndsWith(".sql", StringComparison.Ordinal))
            {
                continue;
            }

            var name = resource[prefix.Length..^".sql".Length];
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            if (underscore <= 0 || !int.TryParse(name.AsSpan(0, underscore), System.Globalization.CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration '{resource}' must be named NNNN_description.sql.");
            }

            migrations.Add(new Migration(version, name, ReadResource(assembly, resource)));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }

    /// <summary>Applies pending migrations; returns how many this call applied.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = Load(database.Engine);
        await using var connection = await database.OpenAsync(cancellationToken);
        return database.Engine == SqlEngine.Postgres
            ? await MigratePostgresAsync(connection, migrations, cancellationToken)
            : await MigrateSqliteAsync(connection, migrations, cancellationToken);
    }

    private async Task<int> MigratePostgresAsync(DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@key)", new { key = MigrationLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(CreateHistory, cancellationToken: cancellationToken));
            var applied = 0;
            foreach (var migration in migrations)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (await ApplyIfPendingAsync(connection, transaction, migration, cancellationToken))
                {
                    applied++;
                }

                await transaction.CommitAsync(cancellationToken);
            }

            return applied;
        }
        finally
        {
            // A dropped connection releases the lock as well; unlock explicitly so a pooled connection does not keep it.
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(@key)", new { key = MigrationLockKey }, cancellationToken: CancellationToken.None));
        }
    }

    private async Task<int> MigrateSqliteAsync(DbConnection connection, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        // WAL lets readers run beside the one writer; it is a property of the file, so setting it again is harmless.
        await connection.ExecuteAsync(new CommandDefinition("PRAGMA journal_mode=WAL", cancellationToken: cancellationToken));

        // BEGIN IMMEDIATE takes the write lock first, so a second replica waits here and then sees the history.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(CreateHistory, transaction: transaction, cancellationToken: cancellationToken));
        var applied = 0;
        foreach (var migration in migrations)
        {
            if (await ApplyIfPendingAsync(connection, transaction, migration, cancellationToken))
            {
                applied++;
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private async Task<bool> ApplyIfPendingAsync(DbConnection connection, DbTransaction transaction, Migration migration, CancellationToken cancellationToken)
    {
        var seen = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version", new { migration.Version }, transaction, cancellationToken: cancellationToken));
        if (seen > 0)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)",
            new { migration.Version, migration.Name, AppliedAt = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) },
            transaction,
            cancellationToken: cancellationToken));
        LogApplied(logger, migration.Name, database.Engine);
        return true;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"Resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration} ({Engine})")]
    private static partial void LogApplied(ILogger logger, string migration, SqlEngine engine);
}

internal sealed record Migration(int Version, string Name, string Sql);

/// <summary>Migrates before anything else starts (Kestrel and the relay included), so no request meets an old schema.</summary>
internal sealed class MigrationHostedService(DatabaseMigrator migrator) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
