using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Scrapbook.ServiceDefaults;

/// <summary>
/// Test-only crash points. A process started with the environment variable <see cref="EnvironmentVariable"/> set to a
/// folder kills itself with SIGKILL when it reaches a named point for which that folder holds a file of the same name
/// (the file is removed first, so the restarted process goes on). The soak (bench/soak) arms a point at the moment its
/// schedule says, to die exactly where a crash is hardest to survive, such as between an outbox commit and its send.
/// Without the variable every <see cref="Reach"/> is one null check. docs/reliability.md lists the points.
/// </summary>
public sealed partial class Failpoints
{
    public const string EnvironmentVariable = "SCRAPBOOK_TEST_FAILPOINTS";

    private readonly string? _directory;
    private readonly ILogger<Failpoints> _logger;

    public Failpoints(ILogger<Failpoints> logger)
    {
        _logger = logger;
        _directory = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } directory ? directory : null;
        if (_directory is not null)
        {
            LogEnabled(logger, _directory);
        }
    }

    /// <summary>Dies here, at once and without cleanup, if the point <paramref name="name"/> is armed.</summary>
    public void Reach(string name)
    {
        if (_directory is null)
        {
            return;
        }

        var armed = Path.Combine(_directory, name);
        if (!File.Exists(armed))
        {
            return;
        }

        try
        {
            File.Delete(armed);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return; // not ours to remove: stay alive rather than die in a loop after every restart
        }

        Die(name);
    }

    private void Die(string name)
    {
        LogDying(_logger, name);
        Process.GetCurrentProcess().Kill(); // SIGKILL on Linux: no finally blocks, no flush, as an OOM kill
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Test failpoints are enabled: armed by files in {Directory}")]
    private static partial void LogEnabled(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Failpoint {Name} reached while armed: killing this process")]
    private static partial void LogDying(ILogger logger, string name);
}
