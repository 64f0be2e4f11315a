using System.Diagnostics;
using System.Runtime.Versioning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Debian's PostgreSQL run as an executable: <c>initdb</c> on the first start, then <c>postgres</c> on loopback, its
/// cluster kept in the data folder. PostgreSQL refuses to run as root, so an AppHost running as root runs it as the
/// <c>postgres</c> user (Debian's package creates it) through <c>setpriv</c>.
/// </summary>
public sealed class PostgresServerResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string UserName = "postgres";

    public EndpointReference Endpoint => new(this, "tcp");

    public ParameterResource PasswordParameter { get; } = password;

    internal List<PostgresDatabaseResource> Databases { get; } = [];

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={Endpoint.Property(EndpointProperty.IPV4Host)};Port={Endpoint.Property(EndpointProperty.Port)};Username={UserName};Password={PasswordParameter}");
}

/// <summary>A database in a <see cref="PostgresServerResource"/>, created by the server's health check once it answers.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource parent)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<PostgresServerResource>
{
    public string DatabaseName { get; } = databaseName;

    public PostgresServerResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent.ConnectionStringExpression};Database={DatabaseName}");
}

public static class PostgresServerResourceBuilderExtensions
{
    // initdb on an empty folder, then exec postgres (the executable's pid becomes the postmaster's). Unix sockets are
    // off: clients use TCP on loopback. Dynamic shared memory lives in the cluster folder rather than /dev/shm, where a
    // killed server would leave it behind.
    private const string StartScript = """
        set -euo pipefail
        bin=$1 data=$2 port=$3 user=$4
        if [ ! -s "$data/PG_VERSION" ]; then
          "$bin/initdb" -D "$data" -U "$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth=scram-sha-256 -E UTF8 --locale=C >/dev/null
        fi
        exec "$bin/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c dynamic_shared_memory_type=mmap -c log_min_messages=warning
        """;

    /// <summary>
    /// Adds a PostgreSQL server with a generated password (secret parameter <c>{name}-password</c>, kept with the
    /// AppHost's user secrets). Healthy once it answers a query and every database added to it exists.
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgresServer(this IDistributedApplicationBuilder builder, string name)
    {
        var binDirectory = FindBinDirectory();
        if (binDirectory is null)
        {
            builder.FailForMissingPrerequisite("PostgreSQL (/usr/lib/postgresql/*/bin/postgres)");
        }

        var password = builder.AddParameter($"{name}-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        var data = builder.GetDataDirectory(name);
        var cluster = Path.Combine(data, "pgdata");
        var asRoot = Environment.UserName == "root";
        var postgres = new PostgresServerResource(name, asRoot ? "setpriv" : "/bin/bash", data, password.Resource);

        var healthCheck = $"{name}-query";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new PostgresHealthCheck(postgres), null, null));
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(postgres, async (_, cancellationToken) =>
        {
            if (asRoot && !OperatingSystem.IsWindows())
            {
                await GiveToPostgresUserAsync(data, builder.GetDataDirectory(), cancellationToken);
            }
        });

        return builder.AddResource(postgres)
            .WithEndpoint(name: "tcp", scheme: "tcp")
            .WithEnvironment("POSTGRES_PASSWORD", password)
            .WithArgs(context =>
            {
                if (asRoot)
                {
                    foreach (var argument in (string[])[$"--reuid={PostgresServerResource.UserName}", $"--regid={PostgresServerResource.UserName}", "--init-groups", "--", "/bin/bash"])
                    {
                        context.Args.Add(argument);
                    }
                }

                foreach (var argument in (string[])["-c", StartScript, $"postgres-{name}", binDirectory!, cluster])
                {
                    context.Args.Add(argument);
                }

                context.Args.Add(postgres.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add(PostgresServerResource.UserName);
            })
            .WithHealthCheck(healthCheck);
    }

    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database);
        return server.ApplicationBuilder.AddResource(database).WithStateOfParent("PostgresDatabase");
    }

    /// <summary>The newest of Debian's PostgreSQL versions installed (<c>/usr/lib/postgresql/{version}/bin</c>).</summary>
    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(directory => File.Exists(Path.Combine(directory, "bin", "postgres")))
                .OrderByDescending(directory => int.TryParse(Path.GetFileName(directory), out var version) ? version : 0)
                .Select(directory => Path.Combine(directory, "bin"))
                .FirstOrDefault()
            : null;
    }

    /// <summary>The postgres user owns the cluster's folder and can traverse the folders above it (a temp folder is 0700).</summary>
    [UnsupportedOSPlatform("windows")]
    private static async Task GiveToPostgresUserAsync(string data, string dataRoot, CancellationToken cancellationToken)
    {
        var top = Path.GetFullPath(Path.Combine(dataRoot, ".."));
        for (var directory = new DirectoryInfo(data).Parent; directory is not null && directory.FullName.Length >= top.Length; directory = directory.Parent)
        {
            directory.UnixFileMode |= UnixFileMode.OtherExecute;
        }

        using var chown = Process.Start("chown", ["-R", $"{PostgresServerResource.UserName}:{PostgresServerResource.UserName}", data])
            ?? throw new InvalidOperationException("chown could not be started.");
        await chown.WaitForExitAsync(cancellationToken);
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException($"chown -R postgres {data} exited with {chown.ExitCode}.");
        }
    }

    private sealed class PostgresHealthCheck(PostgresServerResource server) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = new NpgsqlConnectionStringBuilder(await server.ConnectionStringExpression.GetValueAsync(cancellationToken))
                {
                    Database = "postgres",
                    Timeout = 3,
                    Pooling = false,
                }.ConnectionString;
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                foreach (var database in server.Databases)
                {
                    await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database.DatabaseName } } };
                    if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        var quoted = "\"" + database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
                        await create.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or IOException)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL does not answer a query", exception);
            }
        }
    }
}
