namespace Scrapbook.Testing;

/// <summary>
/// Debian's redis-server on a free loopback port, without persistence, for tests that need the real thing.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private const string Executable = "/usr/bin/redis-server";
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _data = new("scrapbook-redis");
    private ServerProcess? _process;

    public int Port { get; private set; }

    /// <summary>Set before start to require AUTH (an init property keeps one constructor, as xunit fixtures need).</summary>
    public string? Password { get; init; }

    /// <summary>StackExchange.Redis-style connection string, as Aspire hands it to services.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run scripts/prereqs.sh.");
        }

        // A port picked as free can be taken by someone else before the server binds it: try a few.
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

    /// <summary>Starts (or restarts, after <see cref="KillAsync"/>) the server on the same port.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        List<string> args =
        [
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", _data.Path,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "warning",
        ];
        if (Password is not null)
        {
            args.AddRange(["--requirepass", Password]);
        }

        var process = await ServerProcess.StartAsync(Executable, args);
        _process = process;
        if (!await FreePort.WaitUntilListeningAsync(Port, s_startTimeout, () => process.HasExited, cancellationToken))
        {
            await process.DisposeAsync();
            _process = null;
            throw new InvalidOperationException($"redis-server did not listen on {Port}:{Environment.NewLine}{process.Output}");
        }
    }

    /// <summary>Kills the server with SIGKILL, as a crash would.</summary>
    public Task KillAsync() => _process?.KillAsync() ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _data.Dispose();
    }
}
