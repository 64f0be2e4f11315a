using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scrapbook.Testing;

/// <summary>
/// Scrapbook's real AppHost (<c>AppHost/bin/{configuration}/net10.0/Scrapbook.AppHost.dll</c>, the configuration this
/// assembly was built in) run as a child process, the way a developer runs it: a free gateway port, a free dashboard
/// port, a fresh temporary state directory (parameters and backing servers' data) and no project build (the test run
/// built everything already). Use it as an xunit class fixture (<c>IClassFixture&lt;AppHostProcess&gt;</c>) so that one
/// start serves every test of a class, or call <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// <see cref="InitializeAsync"/> returns once the AppHost reported that every resource is running and healthy (bounded
/// by <see cref="StartTimeout"/>); <see cref="DisposeAsync"/> sends SIGTERM, waits a bounded time, then kills the process
/// tree and deletes the state directory.
/// </remarks>
public sealed partial class AppHostProcess : IAsyncLifetime
{
#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif

    private readonly TempDirectory _state = new("apphost");
    private ServerProcess? _process;
    private int? _exitCode;
    private bool _stopped;

    /// <summary>The AppHost's entry assembly, built in the same configuration as the calling tests.</summary>
    public static string AssemblyPath => RepoPaths.Combine("AppHost", "bin", BuildConfiguration, "net10.0", "Scrapbook.AppHost.dll");

    /// <summary>Extra command-line arguments for the AppHost (for example <c>--Database=postgres</c>); set before starting.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>How long to wait for every resource to be running and healthy.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long <see cref="StopAsync"/> waits after SIGTERM before killing the process tree.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The gateway's port (the public entry point, 8080 when a developer runs the AppHost).</summary>
    public int GatewayPort { get; } = FreePort.Next();

    /// <summary>The dashboard's port (18888 when a developer runs the AppHost).</summary>
    public int DashboardPort { get; } = FreePort.Next();

    /// <summary>The gateway's base address, <c>http://localhost:{port}</c>.</summary>
    public Uri GatewayUrl => new($"http://localhost:{GatewayPort.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The dashboard's base address, <c>http://localhost:{port}</c> (it listens on 127.0.0.1 only).</summary>
    public Uri DashboardUrl => new($"http://localhost:{DashboardPort.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The login link the AppHost printed (<c>{dashboard}/login?t={token}</c>); opening it sets the dashboard's cookie.</summary>
    public Uri DashboardLoginUrl { get; private set; } = null!;

    /// <summary>This run's dashboard token: the <c>t</c> of the login link, also accepted as <c>Authorization: Bearer</c>.</summary>
    public string DashboardToken { get; private set; } = "";

    /// <summary>The generated admin key (parameter <c>admin-key</c> in the state directory's <c>parameters.json</c>).</summary>
    public string AdminKey { get; private set; } = "";

    /// <summary>Where the AppHost keeps its parameters and backing servers' data for this run.</summary>
    public string StateDirectory => _state.Path;

    /// <summary>The AppHost's process id (its resources are its direct children).</summary>
    public int ProcessId => Process.Id;

    /// <summary>True once the AppHost process has ended.</summary>
    public bool HasExited => Process.HasExited;

    /// <summary>The last lines the AppHost wrote (stdout and stderr): its own log and its resources' warnings and errors.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>The AppHost's exit code once <see cref="StopAsync"/> saw it stop by itself; null while running or when it had to be killed.</summary>
    public int? ExitCode => _exitCode;

    private ServerProcess Process => _process ?? throw new InvalidOperationException("The AppHost has not been started.");

    /// <summary>Starts an AppHost with <paramref name="extraArguments"/> and waits until every resource is healthy.</summary>
    public static async Task<AppHostProcess> StartAsync(IReadOnlyList<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        var host = new AppHostProcess { ExtraArguments = extraArguments ?? [] };
        try
        {
            await host.StartCoreAsync(cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the AppHost and waits (at most <see cref="StartTimeout"/>) until it reports every resource running and healthy.</summary>
    public async ValueTask InitializeAsync()
    {
        try
        {
            await StartCoreAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await StopAsync(); // a fixture that failed to start is not always disposed
            throw;
        }
    }

    /// <summary>A parameter the AppHost generated and persisted in its state directory's <c>parameters.json</c> (the admin key, a database password).</summary>
    public string ReadParameter(string name)
    {
        var path = Path.Combine(_state.Path, "parameters.json");
        using var parameters = JsonDocument.Parse(File.ReadAllText(path));
        return parameters.RootElement.TryGetProperty(name, out var value) && value.GetString() is { } text
            ? text
            : throw new InvalidOperationException($"{path} has no value for '{name}'.");
    }

    /// <summary>An HTTP client for the gateway (base address <see cref="GatewayUrl"/>).</summary>
    public HttpClient CreateGatewayClient(TimeSpan? timeout = null) =>
        new() { BaseAddress = GatewayUrl, Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    /// <summary>An HTTP client for the dashboard that sends this run's token as <c>Authorization: Bearer</c>.</summary>
    public HttpClient CreateDashboardClient(TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = DashboardUrl, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DashboardToken);
        return client;
    }

    /// <summary>
    /// Stops the AppHost as Ctrl+C would (SIGTERM), waits up to <see cref="StopTimeout"/>, then kills its process tree.
    /// Returns the exit code when it stopped by itself, null when it had to be killed. Safe to call more than once.
    /// </summary>
    public async Task<int?> StopAsync()
    {
        if (_process is null || _stopped)
        {
            return _exitCode;
        }

        _stopped = true;
        _exitCode = await _process.TerminateAsync(StopTimeout);
        return _exitCode;
    }

    /// <summary>Stops the AppHost (<see cref="StopAsync"/>), then deletes its state directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (_process is not null)
            {
                await _process.DisposeAsync();
            }

            _state.Dispose();
        }
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(AssemblyPath))
        {
            throw new InvalidOperationException($"{AssemblyPath} is missing: build the solution in {BuildConfiguration} first.");
        }

        _process = await ServerProcess.StartAsync("dotnet",
        [
            AssemblyPath,
            $"--Gateway:Port={GatewayPort.ToString(CultureInfo.InvariantCulture)}",
            $"--Dashboard:Port={DashboardPort.ToString(CultureInfo.InvariantCulture)}",
            $"--AppHost:StateDirectory={_state.Path}",
            "--AppHost:BuildProjects=false",
            .. ExtraArguments,
        ]);

        var deadline = DateTime.UtcNow + StartTimeout;
        var login = LoginUrlPattern(DashboardPort);
        Match match;
        while (!(AllHealthyPattern().IsMatch(Output) && (match = login.Match(Output)).Success))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited with code {await _process.WaitForExitAsync(cancellationToken)} before every resource was healthy:{Environment.NewLine}{Output}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The AppHost did not report every resource healthy within {StartTimeout.TotalSeconds} s:{Environment.NewLine}{Output}");
            }

            await Task.Delay(100, cancellationToken);
        }

        DashboardLoginUrl = new Uri(match.Value);
        DashboardToken = match.Groups["token"].Value;
        AdminKey = ReadParameter("admin-key");
    }

    private static Regex LoginUrlPattern(int port) =>
        new($@"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}/login\?t=(?<token>[0-9a-f]{{32}})", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"All \d+ resources are running and healthy", RegexOptions.CultureInvariant)]
    private static partial Regex AllHealthyPattern();
}
