using System.Text.RegularExpressions;
using Scrapbook.Testing;

namespace Scrapbook.Cli.Tests;

/// <summary>
/// The real <c>scrapbook</c> command, run as a user runs it: from a working folder, with its own config folder
/// (<c>XDG_CONFIG_HOME</c>), as a process of its own or inside tmux.
/// </summary>
internal sealed partial class Cli : IDisposable
{
    private readonly TempDirectory _home = new("cli-home");

    public Cli() => Directory.CreateDirectory(WorkingDirectory);

    public string WorkingDirectory => Path.Combine(_home.Path, "work");

    public string ConfigDirectory => Path.Combine(_home.Path, "config");

    /// <summary>The command line that runs <c>scrapbook</c> with <paramref name="arguments"/> (shell-quoted) from the working folder.</summary>
    public string CommandLine(params string[] arguments) =>
        $"cd {Quote(WorkingDirectory)} && XDG_CONFIG_HOME={Quote(ConfigDirectory)} dotnet {Quote(Assembly)} {string.Join(' ', arguments.Select(Quote))}";

    /// <summary>Runs it to the end; returns its exit code and everything it wrote.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var output = await Tool.RunAsync(
            "bash", ["-c", CommandLine(arguments) + " 2>&1; echo \"exit=$?\""],
            timeout: TimeSpan.FromMinutes(2), cancellationToken: TestContext.Current.CancellationToken);
        var exit = ExitLine().Match(output);
        return (int.Parse(exit.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), output[..exit.Index]);
    }

    public void Dispose() => _home.Dispose();

    private static string Assembly
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            return RepoPaths.Combine("clients", "Scrapbook.Cli", "bin", configuration, "net10.0", "scrapbook.dll");
        }
    }

    private static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"exit=(\d+)\s*$")]
    private static partial Regex ExitLine();
}
