using System.Globalization;

namespace Scrapbook.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's PostgreSQL 15 binaries): <c>initdb</c> into a temporary folder, then
/// <c>postgres</c> on a free 127.0.0.1 port with trust authentication and durability off (tests only).
/// When the tests run as root it runs as the <c>postgres</c> user, since PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string UserName = "postgres";

    /// <summary>The operating-system account PostgreSQL runs as when the tests run as root.</summary>
    private const string OsUser = "postgres";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_toolTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _root = new("scrapbook-postgres");
    private ServerProcess? _process;
    private int _databases;

    public int Port { get; private set; }

    /// <summary>The <c>postgres</c> database of the cluster, in Npgsql's syntax.</summary>
    public string ConnectionString => ConnectionStringFor(UserName);

    public static string BinDirectory => Environment.GetEnvironmentVariable("SCRAPBOOK_PG_BIN") ?? "/usr/lib/postgresql/15/bin";

    private string DataDirectory => Path.Combine(_root.Path, "data");

    private string SocketDirectory => Path.Combine(_root.Path, "socket");

    private static bool RunningAsRoot => Environment.UserName == "root";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(BinDirectory, "postgres")))
        {
            throw new InvalidOperationException($"PostgreSQL is missing at {BinDirectory}: run scripts/prereqs.sh (apt-get install postgresql).");
        }

        Directory.CreateDirectory(SocketDirectory);
        if (RunningAsRoot)
        {
            await RunToolAsync("/bin/chown", ["-R", $"{OsUser}:{OsUser}", _root.Path], asPostgres: false);
        }

        await RunToolAsync(
            Path.Combine(BinDirectory, "initdb"),
            ["-D", DataDirectory, "-U", UserName, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            asPostgres: RunningAsRoot);

        // A port picked as free can be taken before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Next();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= "db" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture);
        await RunToolAsync(
            Path.Combine(BinDirectory, "createdb"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName, name],
            asPostgres: false,
            cancellationToken);
        return ConnectionStringFor(name);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            // pg_ctl lets the postmaster remove its shared memory (a SIGKILL leaves /dev/shm segments behind);
            // immediate mode skips the checkpoint of a cluster that is deleted next. Killing the tree covers a hung server.
            try
            {
                await RunToolAsync(Path.Combine(BinDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "20"], asPostgres: RunningAsRoot);
            }
            catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
            {
                // Already gone, or hung: the kill below settles it.
            }

            await _process.DisposeAsync();
        }

        _root.Dispose();
    }

    private string ConnectionStringFor(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username={UserName};Database={database};Pooling=true";

    private async Task StartAsync()
    {
        string[] args =
        [
            "-D", DataDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=200",
            "-c", "shared_buffers=32MB",
        ];
        var postgres = Path.Combine(BinDirectory, "postgres");
        var process = await ServerProcess.StartAsync(postgres, args, workingDirectory: _root.Path, user: RunningAsRoot ? OsUser : null);
        _process = process;
        if (!await FreePort.WaitUntilListeningAsync(Port, s_startTimeout, () => process.HasExited) || !await WaitUntilAcceptingAsync(process))
        {
            await process.DisposeAsync();
            _process = null;
            throw new InvalidOperationException($"postgres did not start on {Port}:{Environment.NewLine}{process.Output}");
        }
    }

    private async Task<bool> WaitUntilAcceptingAsync(ServerProcess process)
    {
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                await RunToolAsync(Path.Combine(BinDirectory, "pg_isready"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", UserName], asPostgres: false);
                return true;
            }
            catch (InvalidOperationException)
            {
                await Task.Delay(100);
            }
        }

        return false;
    }

    private static Task RunToolAsync(string fileName, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken = default) =>
        Tool.RunAsync(fileName, arguments, user: asPostgres ? OsUser : null, timeout: s_toolTimeout, cancellationToken: cancellationToken);
}
