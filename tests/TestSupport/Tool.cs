
namespace Scrapbook.Testing;

/// <summary>A command-line tool run to completion for a test (vips, redis-cli, psql, initdb …), started like the test servers so it dies with the test host.</summary>
public static class Tool
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="fileName"/> and returns its standard output; throws <see cref="InvalidOperationException"/>
    /// with what it wrote when it exits non-zero or takes longer than <paramref name="timeout"/> (60 s by default).
    /// </summary>
    public static Task<string> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? user = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ProcessLauncher.RunAsync(fileName, arguments, timeout ?? s_defaultTimeout, environment, user, cancellationToken);

    /// <summary>As <see cref="RunAsync"/>, with what the tool wrote to standard error (warnings) beside its output.</summary>
    public static Task<ToolOutput> RunCapturedAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default) =>
        ProcessLauncher.RunCapturedAsync(fileName, arguments, timeout ?? s_defaultTimeout, environment: null, user: null, cancellationToken);
}

/// <summary>What a tool that exited 0 wrote: standard output and standard error.</summary>
public sealed record ToolOutput(string Output, string Errors);
