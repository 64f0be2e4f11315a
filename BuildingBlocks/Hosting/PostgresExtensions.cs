using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Scrapbook.Hosting.Orchestration;

namespace Scrapbook.Hosting;

/// <summary>
/// A PostgreSQL server from Debian's packages: <c>initdb</c> on first start, then <c>postgres</c> on a free
/// 127.0.0.1 port, its cluster kept under the data folder between runs. Password authentication (SCRAM) with a
/// generated, persisted, masked password. PostgreSQL refuses to run as root, so an AppHost running as root runs it
/// as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServerResource(string name, string workingDirectory, ParameterResource userName, ParameterResource password)
    : ExecutableResource(name, "/bin/bash", workingDirectory), IResourceWithConnectionString
{
    /// <summary>The operating-system user PostgreSQL runs as when the AppHost runs as root (Debian's package creates it).</summary>
    public const string OperatingSystemUser = "postgres";

    public ParameterResource UserNameParameter { get; } = userName;

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>The cluster's folder (<c>PGDATA</c>), inside the resource's data folder.</summary>
    public string ClusterDirectory => Path.Combine(WorkingDirectory, "pgdata");

    public bool ContainsSecret => true;

    /// <summary>Databases created once the server accepts connections (<see cref="PostgresExtensions.AddDatabase"/>).</summary>
    internal List<string> Databases { get; } = [];

    /// <summary>The server's connection string in Npgsql's syntax, without a database.</summary>
    public string GetConnectionString() =>
        $"Host=127.0.0.1;Port={GetPort("tcp").ToString(CultureInfo.InvariantCulture)};Username={UserNameParameter.Value};Password={PasswordParameter.Value}";
}

/// <summary>A database inside a <see cref="PostgresServerResource"/>; waiting for it waits for the server, which creates it.</summary>
public sealed class PostgresDatabaseResource(string name, string databaseName, PostgresServerResource server)
    : ConnectionStringResource(name, server, () => $"{server.GetConnectionString()};Database={databaseName}", containsSecret: true)
{
    public string DatabaseName { get; } = databaseName;
}

/// <summary>PostgreSQL in the shape of Aspire's <c>AddPostgres(...).AddDatabase(...)</c>.</summary>
public static class PostgresExtensions
{
    // initdb on an empty folder, then exec postgres (the replica's pid becomes the postmaster's).
    // Unix sockets are off: clients use TCP on loopback only; only warnings and errors reach the console.
    // Dynamic shared memory lives in the cluster's folder, not /dev/shm, where a killed AppHost would leave it behind.
    private const string StartScript = """
        set -euo pipefail
        bin=$1 data=$2 port=$3 user=$4
        if [ ! -s "$data/PG_VERSION" ]; then
          "$bin/initdb" -D "$data" -U "$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") --auth=scram-sha-256 -E UTF8 --locale=C >/dev/null
        fi
        exec "$bin/postgres" -D "$data" -p "$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c dynamic_shared_memory_type=mmap -c log_min_messages=warning
        """;

    /// <summary>
    /// A PostgreSQL server. <paramref name="userName"/> defaults to <c>postgres</c>; <paramref name="password"/> to a
    /// secret parameter <c>{name}-password</c>, generated once and persisted like the admin key.
    /// </summary>
    public static IResourceBuilder<PostgresServerResource> AddPostgres(
        this DistributedApplicationBuilder builder,
        string name,
        IResourceBuilder<ParameterResource>? userName = null,
        IResourceBuilder<ParameterResource>? password = null,
        int? port = null)
    {
        var user = userName?.Resource ?? new ParameterResource($"{name}-username", secret: false) { ResolvedValue = "postgres" };
        password ??= builder.AddParameter($"{name}-password", secret: true);
        var server = new PostgresServerResource(name, Path.Combine(builder.DataDirectory, name), user, password.Resource)
        {
            HealthCheck = HealthCheckKind.Custom,
            RunAsUser = Environment.UserName == "root" ? PostgresServerResource.OperatingSystemUser : null,
        };
        var binDirectory = builder.Configuration["Postgres:BinDirectory"] ?? FindBinDirectory();
        server.BeforeStart.Add(cancellationToken => PrepareAsync(server, binDirectory, builder.StateDirectory, cancellationToken));
        var databasesCreated = false;
        server.HealthProbe = async (context, cancellationToken) =>
        {
            // A query proves the server accepts connections (TCP is accepted during recovery too); once the
            // databases exist, a TCP connect is enough for the periodic probe.
            if (!databasesCreated)
            {
                databasesCreated = await CreateDatabasesAsync(server, binDirectory!, cancellationToken);
                return databasesCreated;
            }

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, context.Port("tcp"), cancellationToken);
            return true;
        };
        return builder.AddResource(server)
            .WithEndpoint("tcp", "tcp", port)
            .WithEnvironment(context => context.Set("POSTGRES_PASSWORD", password.Resource.Value, secret: true))
            .WithArgs(context =>
            [
                "-c", StartScript, $"postgres-{name}",
                binDirectory ?? "", server.ClusterDirectory, context.Port("tcp").ToString(CultureInfo.InvariantCulture), user.Value,
            ]);
    }

    /// <summary>A database the server creates once it accepts connections: <c>ConnectionStrings__{name}</c> for its consumers.</summary>
    public static IResourceBuilder<PostgresDatabaseResource> AddDatabase(this IResourceBuilder<PostgresServerResource> server, string name, string? databaseName = null)
    {
        var database = new PostgresDatabaseResource(name, databaseName ?? name, server.Resource);
        server.Resource.Databases.Add(database.DatabaseName);
        return server.ApplicationBuilder.AddResource(database);
    }

    /// <summary>The newest of Debian's PostgreSQL versions installed (<c>/usr/lib/postgresql/{version}/bin</c>).</summary>
    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        return Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(d => File.Exists(Path.Combine(d, "bin", "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : 0)
                .Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault()
            : null;
    }

    /// <summary>The data folder exists and, when the AppHost is root, belongs to the postgres user, who can reach it.</summary>
    private static async Task PrepareAsync(PostgresServerResource server, string? binDirectory, string stateDirectory, CancellationToken cancellationToken)
    {
        if (binDirectory is null || !File.Exists(Path.Combine(binDirectory, "postgres")))
        {
            throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): run scripts/prereqs.sh.");
        }

        Directory.CreateDirectory(server.WorkingDirectory);
        if (server.RunAsUser is null || OperatingSystem.IsWindows())
        {
            return;
        }

        // The state folder may be private to root (a temp folder is 0700): let others traverse it, not list it.
        var state = Path.GetFullPath(stateDirectory);
        for (var dir = new DirectoryInfo(server.WorkingDirectory).Parent; dir is not null && dir.FullName.Length >= state.Length; dir = dir.Parent)
        {
            dir.UnixFileMode |= UnixFileMode.OtherExecute;
        }

        await RunAsync("/bin/chown", ["-R", $"{server.RunAsUser}:{server.RunAsUser}", server.WorkingDirectory], null, cancellationToken);
    }

    /// <summary>Creates the databases that do not exist yet; false while the server does not accept a query.</summary>
    private static async Task<bool> CreateDatabasesAsync(PostgresServerResource server, string binDirectory, CancellationToken cancellationToken)
    {
        var psql = Path.Combine(binDirectory, "psql");
        var port = server.GetPort("tcp").ToString(CultureInfo.InvariantCulture);
        string[] connect = ["-h", "127.0.0.1", "-p", port, "-U", server.UserNameParameter.Value, "-d", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA"];
        try
        {
            var existing = (await RunAsync(psql, [.. connect, "-c", "SELECT datname FROM pg_database"], server.PasswordParameter.Value, cancellationToken))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var database in server.Databases.Except(existing, StringComparer.Ordinal))
            {
                var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                await RunAsync(psql, [.. connect, "-c", $"CREATE DATABASE {quoted}"], server.PasswordParameter.Value, cancellationToken);
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Runs a PostgreSQL tool, with the server's password when it needs one, for at most 30 s.</summary>
    private static Task<string> RunAsync(string fileName, IReadOnlyList<string> arguments, string? password, CancellationToken cancellationToken) =>
        ProcessLauncher.RunAsync(
            fileName,
            arguments,
            TimeSpan.FromSeconds(30),
            password is null ? null : new Dictionary<string, string> { ["PGPASSWORD"] = password, ["PGCONNECT_TIMEOUT"] = "5" },
            cancellationToken: cancellationToken);
}
