using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Scrapbook.Testing;

/// <summary>
/// Starts the servers, services and tools of integration tests so that they die with the test host, even when it is
/// killed with SIGKILL (a hung run stopped by CI leaves nothing behind): each child runs
/// under <c>setpriv --pdeathsig KILL</c> (util-linux), which sets <c>PR_SET_PDEATHSIG</c> and then execs it.
/// Linux sends that signal when the <em>thread</em> that forked the child ends, so every child is forked from
/// one dedicated thread that lives as long as the process (a thread-pool thread may retire and kill them).
/// <c>setsid</c> then gives each child its own session, so a terminal's Ctrl+C reaches only the test host, whose
/// fixtures stop the children themselves (neither wrapper forks: the child keeps its pid).
/// </summary>
internal static partial class ProcessLauncher
{
    private const string Setpriv = "/usr/bin/setpriv";
    private const string Setsid = "/usr/bin/setsid";
    private static readonly BlockingCollection<(ProcessStartInfo StartInfo, Action<Process> Configure, TaskCompletionSource<Process> Started)> s_requests = [];
    private static readonly Lazy<Thread> s_thread = new(() =>
    {
        var thread = new Thread(Launch) { IsBackground = true, Name = "Scrapbook.Testing process launcher" };
        thread.Start();
        return thread;
    });

    private static readonly Dictionary<string, string> s_noVariables = [];

    public static bool KillsChildrenWithParent => File.Exists(Setpriv) && File.Exists(Setsid);

    /// <summary>
    /// Starts <paramref name="command"/>; <paramref name="configure"/> attaches output handlers before the start.
    /// With <paramref name="user"/> (the test host running as root) setpriv switches to that user and its groups first;
    /// it sets the death signal after switching, since the kernel clears it when the credentials change.
    /// </summary>
    public static Task<Process> StartAsync(string command, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, Action<Process> configure, string? user = null)
    {
        if (user is not null && !KillsChildrenWithParent)
        {
            throw new InvalidOperationException($"Running {command} as '{user}' needs {Setpriv} (util-linux).");
        }

        var startInfo = new ProcessStartInfo(KillsChildrenWithParent ? Setpriv : command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (KillsChildrenWithParent)
        {
            string[] asUser = user is null ? [] : [$"--reuid={user}", $"--regid={user}", "--init-groups"];
            foreach (var argument in (string[])["--pdeathsig", "KILL", .. asUser, "--", Setsid, command])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = s_thread.Value;
        s_requests.Add((startInfo, configure, started));
        return started.Task;
    }

    /// <summary>
    /// Runs a tool to completion, started like any other child, and returns its standard output. Throws
    /// <see cref="InvalidOperationException"/> with what it wrote when it exits non-zero or does not finish within
    /// <paramref name="timeout"/> (it is killed then); its standard input is closed at once.
    /// </summary>
    public static async Task<string> RunAsync(string command, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, string? user = null, CancellationToken cancellationToken = default) =>
        (await RunCapturedAsync(command, arguments, timeout, environment, user, cancellationToken)).Output;

    /// <summary>As <see cref="RunAsync"/>, returning what the command wrote to standard error as well.</summary>
    public static async Task<ToolOutput> RunCapturedAsync(string command, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, string? user = null, CancellationToken cancellationToken = default)
    {
        var output = new StringBuilder();
        var errors = new StringBuilder();
        using var process = await StartAsync(command, arguments, Environment.CurrentDirectory, environment ?? s_noVariables, p =>
        {
            p.OutputDataReceived += (_, e) => Append(output, e.Data);
            p.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        }, user);
        process.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            // Also waits until both output streams are read to their end.
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException($"{Path.GetFileName(command)} did not finish within {timeout.TotalSeconds:0.#} s.");
        }

        lock (output)
        {
            lock (errors)
            {
                if (process.ExitCode == 0)
                {
                    return new ToolOutput(output.ToString(), errors.ToString());
                }
            }
        }

        lock (errors)
        {
            throw new InvalidOperationException($"{Path.GetFileName(command)} exited with {process.ExitCode}: {(errors.Length > 0 ? errors : output)}");
        }

        static void Append(StringBuilder text, string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }
    }

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    public const int Sigterm = 15;

    private static void Launch()
    {
        foreach (var (startInfo, configure, started) in s_requests.GetConsumingEnumerable())
        {
            var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
            try
            {
                configure(process);
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                started.SetResult(process);
            }
            catch (Exception exception)
            {
                process.Dispose();
                started.SetException(exception);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
