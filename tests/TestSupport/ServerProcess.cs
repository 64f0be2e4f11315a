using System.Collections.Concurrent;
using System.Diagnostics;

namespace Scrapbook.Testing;

/// <summary>
/// A real server process started by a test fixture: its output is kept for diagnostics, and it is
/// killed with its whole process tree when the fixture stops.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int MaxOutputLines = 200;
    private static readonly Dictionary<string, string> s_noVariables = [];
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServerProcess(Process process)
    {
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>The last lines the process wrote, stdout and stderr interleaved.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// Starts <paramref name="fileName"/> through <see cref="ProcessLauncher"/>, so it dies with the test host even when that
    /// is killed (a hung run stopped by CI leaves no server behind). A null value in <paramref name="environment"/>
    /// removes that variable; <paramref name="user"/> runs it as another user (PostgreSQL refuses root).
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string?>? environment = null, string? user = null)
    {
        ServerProcess? server = null;
        await ProcessLauncher.StartAsync(fileName, arguments, workingDirectory ?? Environment.CurrentDirectory, s_noVariables, process =>
        {
            foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
            {
                process.StartInfo.Environment[key] = value;
            }

            server = new ServerProcess(process);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        }, user);
        return server!;
    }

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Kills the process tree at once (SIGKILL), as a crash would, and waits for it to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM) and waits up to <paramref name="grace"/>; kills it after that.
    /// Returns the exit code when it stopped by itself, null when it had to be killed.
    /// </summary>
    public async Task<int?> TerminateAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        if (!ProcessLauncher.Signal(_process.Id, ProcessLauncher.Sigterm))
        {
            await KillAsync();
            return null;
        }

        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > MaxOutputLines && _output.TryDequeue(out _))
        {
        }
    }
}
