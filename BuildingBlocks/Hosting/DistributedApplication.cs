using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Scrapbook.Hosting.Dashboard;
using Scrapbook.Hosting.Orchestration;

namespace Scrapbook.Hosting;

/// <summary>
/// A replica as shown to people: secrets in its environment are masked. <paramref name="Name"/> is the replica's own
/// name (<c>thumbnail-worker-1</c>; the resource's name when it has one replica), which the stop, start and restart
/// actions accept.
/// </summary>
public sealed record ReplicaSnapshot(string Name, int Index, ReplicaState State, bool IsHealthy, int? ProcessId, int Restarts, IReadOnlyList<string> Endpoints, IReadOnlyDictionary<string, string> Environment);

/// <summary>A resource as shown to people.</summary>
public sealed record ResourceSnapshot(string Name, string Type, IReadOnlyList<string> Endpoints, IReadOnlyList<ReplicaSnapshot> Replicas)
{
    public bool IsHealthy => Replicas.All(r => r.IsHealthy);
}

/// <summary>
/// Runs an application model as local processes: allocates ports, builds the projects once, starts each
/// resource when what it waits for is healthy, restarts crashes with backoff, and stops everything on
/// Ctrl+C or SIGTERM. The shape follows Aspire's <c>DistributedApplication</c>.
/// </summary>
public sealed partial class DistributedApplication : IAsyncDisposable
{
    /// <summary>Shown instead of a secret's value.</summary>
    public const string Mask = "********";

    private static readonly Stopwatch s_sinceStart = Stopwatch.StartNew();
    private readonly DistributedApplicationOptions _options;
    private readonly IReadOnlyList<Resource> _resources;
    private readonly Dictionary<ExecutableResource, List<ReplicaRunner>> _runners = [];
    private readonly Dictionary<ExecutableResource, ConsoleLog> _consoleLogs = [];
    private readonly Dictionary<ReplicaRunner, IReadOnlyDictionary<string, string>> _shownEnvironments = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _healthClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Dictionary<ExecutableResource, (CancellationTokenSource Stop, Task Running)> _running = [];
    private readonly Dictionary<ExecutableResource, Task> _stops = [];
    private bool _stopped;
    private DashboardServer? _dashboard;

    internal DistributedApplication(DistributedApplicationOptions options, IReadOnlyList<Resource> resources)
    {
        _options = options;
        _resources = resources;
        _loggerFactory = LoggerFactory.Create(logging => logging
            .SetMinimumLevel(options.Verbose ? LogLevel.Debug : LogLevel.Information)
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            }));
        _logger = _loggerFactory.CreateLogger("Scrapbook.AppHost");
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(new DistributedApplicationOptions { Args = args });

    public static DistributedApplicationBuilder CreateBuilder(DistributedApplicationOptions options) => new(options);

    public string StateDirectory => _options.StateDirectory!;

    /// <summary>The file generated parameters (such as the admin key) are kept in.</summary>
    public string ParametersFile => ParameterStore.FilePath(StateDirectory);

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>The dashboard's address, when it runs.</summary>
    public string? DashboardUrl => _dashboard?.Url;

    /// <summary>The dashboard's login link with this run's token, when it runs.</summary>
    public string? DashboardLoginUrl => _dashboard?.LoginUrl;

    public T GetResource<T>(string name)
        where T : Resource =>
        _resources.OfType<T>().FirstOrDefault(r => r.Name == name) ?? throw new InvalidOperationException($"No resource named '{name}'.");

    /// <summary>Allocates ports, builds projects, and starts every resource (each once what it waits for is healthy).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        AllocatePorts();
        if (_options.EnableDashboard)
        {
            _dashboard = new DashboardServer(this, _options.DashboardPort);
            await _dashboard.StartAsync(cancellationToken);
            LogDashboard(_logger, _dashboard.LoginUrl);
        }

        var projects = _resources.OfType<ProjectResource>().ToList();
        var unbuilt = projects.Where(p => !p.BuiltWithAppHost).ToList();
        if (_options.BuildProjects && unbuilt.Count > 0)
        {
            await BuildAsync(unbuilt, cancellationToken);
        }

        foreach (var project in projects.Where(p => !File.Exists(p.AssemblyPath)))
        {
            throw new InvalidOperationException($"'{project.Name}' is not built: {project.AssemblyPath} is missing.");
        }

        var executables = _resources.OfType<ExecutableResource>().ToList();
        foreach (var executable in executables)
        {
            var log = new ConsoleLog();
            _consoleLogs[executable] = log;
            _runners[executable] = [.. Enumerable.Range(0, executable.Replicas).Select(i => CreateRunner(executable, i, log))];
        }

        foreach (var executable in executables)
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            _running[executable] = (stop, RunResourceAsync(executable, stop.Token));
        }
    }

    /// <summary>Starts, waits for Ctrl+C or SIGTERM, then stops everything.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            await StartAsync(stop.Token);
            await WaitForAllHealthyAsync(stop.Token);
            LogAllHealthy(_logger, _resources.Count, s_sinceStart.Elapsed.TotalSeconds);
            Started?.Invoke();
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            LogStopping(_logger);
            await StopAsync();
        }
    }

    /// <summary>Raised by <see cref="RunAsync"/> once every resource is running and healthy.</summary>
    public event Action? Started;

    public async Task WaitForAllHealthyAsync(CancellationToken cancellationToken = default)
    {
        foreach (var resource in _resources)
        {
            await WaitForHealthyAsync(resource, cancellationToken);
        }
    }

    /// <summary>Completes when every replica of the resource (or of its parent) is running and healthy.</summary>
    public async Task WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default) =>
        await WaitForHealthyAsync(_resources.First(r => r.Name == name), cancellationToken);

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await Task.WhenAll(_running.Keys.Select(StopWithDependentsAsync));
        await _stopping.CancelAsync();
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }
    }

    /// <summary>Stops what waits for a resource before the resource itself, so nobody sees its dependency vanish.</summary>
    private Task StopWithDependentsAsync(ExecutableResource resource)
    {
        if (!_stops.TryGetValue(resource, out var stop))
        {
            stop = StopAfterDependentsAsync(resource);
            _stops[resource] = stop;
        }

        return stop;
    }

    private async Task StopAfterDependentsAsync(ExecutableResource resource)
    {
        var dependents = _running.Keys.Where(r => r.WaitsFor.Select(Root).Contains(resource)).ToList();
        await Task.WhenAll(dependents.Select(StopWithDependentsAsync));
        var (stop, running) = _running[resource];
        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }

    private static Resource Root(Resource resource)
    {
        while (resource is IResourceWithParent withParent && withParent.Parent != resource)
        {
            resource = withParent.Parent;
        }

        return resource;
    }

    /// <summary>
    /// Restarts a process resource's replicas at once (the dashboard's restart action): <paramref name="name"/> is a
    /// resource (every replica) or one replica (<c>thumbnail-worker-1</c>). A stopped replica is started.
    /// False when nothing has that name.
    /// </summary>
    public async Task<bool> RestartResourceAsync(string name)
    {
        var replicas = FindReplicas(name);
        await Task.WhenAll(replicas.Select(r => r.RestartAsync()));
        return replicas.Count > 0;
    }

    /// <summary>
    /// Stops a resource's replicas, or one replica, and keeps them stopped (state <c>Stopped</c>, not restarted as a
    /// crash would be) until <see cref="StartResourceAsync"/>. Completes once they are stopped. False when nothing has that name.
    /// </summary>
    public async Task<bool> StopResourceAsync(string name)
    {
        var replicas = FindReplicas(name);
        await Task.WhenAll(replicas.Select(r => r.StopAsync()));
        return replicas.Count > 0;
    }

    /// <summary>
    /// Starts stopped replicas of a resource, or one stopped replica, again (a running replica is left alone).
    /// Completes once the start is requested; watch the snapshot for the replica to become healthy. False when nothing has that name.
    /// </summary>
    public Task<bool> StartResourceAsync(string name)
    {
        var replicas = FindReplicas(name);
        foreach (var replica in replicas)
        {
            replica.Start();
        }

        return Task.FromResult(replicas.Count > 0);
    }

    /// <summary>A resource's replicas by the resource's name, else the one replica with that display name.</summary>
    private List<ReplicaRunner> FindReplicas(string name)
    {
        var byResource = _runners.FirstOrDefault(p => p.Key.Name == name).Value;
        return byResource ?? [.. _runners.Values.SelectMany(r => r).Where(r => r.DisplayName == name)];
    }

    public IReadOnlyList<ResourceSnapshot> GetSnapshots() => [.. _resources.Select(Snapshot)];

    public IReadOnlyList<ConsoleLine> GetConsoleLog(string name) =>
        _consoleLogs.FirstOrDefault(p => p.Key.Name == name).Value?.Snapshot() ?? [];

    /// <summary>The lines a resource wrote after cursor <paramref name="after"/>, and the next cursor (the dashboard's live console).</summary>
    public (IReadOnlyList<ConsoleLine> Lines, long Next) ReadConsoleLog(string name, long after) =>
        _consoleLogs.FirstOrDefault(p => p.Key.Name == name).Value?.ReadAfter(after) ?? ([], 0);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _healthClient.Dispose();
        _loggerFactory.Dispose();
        _stopping.Dispose();
    }

    private ReplicaRunner CreateRunner(ExecutableResource executable, int replica, ConsoleLog log)
    {
        var context = new EnvironmentContext(executable, replica);
        foreach (var endpoint in executable.Endpoints.Where(e => e.PortEnvironmentVariable is not null))
        {
            context.Set(endpoint.PortEnvironmentVariable!, executable.GetPort(endpoint.Name, replica).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var callback in executable.EnvironmentCallbacks)
        {
            callback(context);
        }

        var replicaContext = new ReplicaContext(executable, replica);
        var arguments = executable.Arguments.SelectMany(a => a(replicaContext)).ToList();
        var runner = new ReplicaRunner(executable, replica, context.Variables, arguments, log, _options, _healthClient, _logger);

        // A replica's environment is fixed once it is made: mask it once here, not on every dashboard poll.
        _shownEnvironments[runner] = context.Variables.ToDictionary(p => p.Key, p => context.Secrets.Contains(p.Key) ? Mask : p.Value).AsReadOnly();
        return runner;
    }

    private async Task RunResourceAsync(ExecutableResource executable, CancellationToken stopping)
    {
        var runners = _runners[executable];
        foreach (var runner in runners)
        {
            runner.MarkWaiting();
        }

        try
        {
            foreach (var dependency in executable.WaitsFor)
            {
                await WaitForHealthyAsync(dependency, stopping);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            foreach (var prepare in executable.BeforeStart)
            {
                await prepare(stopping);
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogPrepareFailed(_logger, executable.Name, exception.Message);
            return;
        }

        await Task.WhenAll(runners.Select(r => Task.Run(() => r.RunAsync(stopping), CancellationToken.None)));
    }

    private async Task WaitForHealthyAsync(Resource resource, CancellationToken cancellationToken)
    {
        if (Root(resource) is not ExecutableResource executable)
        {
            return;
        }

        while (!_runners.TryGetValue(executable, out var runners) || !runners.TrueForAll(r => r.IsHealthy && r.State == ReplicaState.Running))
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    private void AllocatePorts()
    {
        foreach (var executable in _resources.OfType<ExecutableResource>())
        {
            executable.AllocatedPorts.Clear();
            for (var i = 0; i < executable.Replicas; i++)
            {
                executable.AllocatedPorts.Add(executable.Endpoints.ToDictionary(e => e.Name, e => e.Port ?? FreePort()));
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One <c>dotnet build</c> per project, run together, so that every service starts from fresh output.</summary>
    private async Task BuildAsync(IReadOnlyList<ProjectResource> projects, CancellationToken cancellationToken)
    {
        var distinct = projects.Select(p => p.ProjectPath).Distinct().ToList();
        LogBuilding(_logger, distinct.Count, _options.Configuration!);
        var stopwatch = Stopwatch.StartNew();

        // A generated solution builds them all in one MSBuild invocation (shared dependencies build once, in parallel).
        var solution = Path.Combine(StateDirectory, "build", "Projects.slnx");
        Directory.CreateDirectory(Path.GetDirectoryName(solution)!);
        var items = string.Join(Environment.NewLine, distinct.Select(p => $"  <Project Path=\"{System.Security.SecurityElement.Escape(p)}\" />"));
        await File.WriteAllTextAsync(solution, $"<Solution>{Environment.NewLine}{items}{Environment.NewLine}</Solution>{Environment.NewLine}", cancellationToken);
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["build", solution, "-c", _options.Configuration!, "--nologo", "-v:q", "-clp:ErrorsOnly"])
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var build = Process.Start(startInfo)!;
        var output = build.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = build.StandardError.ReadToEndAsync(cancellationToken);
        await build.WaitForExitAsync(cancellationToken);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"Building the projects failed:{Environment.NewLine}{await output}{await errors}");
        }

        LogBuilt(_logger, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The type as Aspire's dashboard shows it: <c>Project</c>, <c>Redis</c>, <c>Parameter</c>…</summary>
    private static string TypeName(Resource resource)
    {
        var name = resource.GetType().Name;
        return name.EndsWith(nameof(Resource), StringComparison.Ordinal) && name.Length > nameof(Resource).Length
            ? name[..^nameof(Resource).Length]
            : name;
    }

    private ResourceSnapshot Snapshot(Resource resource)
    {
        if (resource is not ExecutableResource executable || !_runners.TryGetValue(executable, out var runners))
        {
            return new ResourceSnapshot(resource.Name, TypeName(resource), [], []);
        }

        var endpoints = executable.AllocatedPorts.Count == 0
            ? []
            : Enumerable.Range(0, executable.Replicas).SelectMany(i => executable.Endpoints.Select(e => executable.GetEndpointUrl(e.Name, i))).ToList();
        return new ResourceSnapshot(
            resource.Name,
            TypeName(resource),
            endpoints,
            [.. runners.Select(r => new ReplicaSnapshot(
                r.DisplayName,
                r.Replica,
                r.State,
                r.IsHealthy,
                r.ProcessId,
                r.Restarts,
                [.. executable.Endpoints.Select(e => executable.GetEndpointUrl(e.Name, r.Replica))],
                _shownEnvironments[r]))]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Building {Count} projects ({Configuration})")]
    private static partial void LogBuilding(ILogger logger, int count, string configuration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built in {Seconds:0.0} s")]
    private static partial void LogBuilt(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "All {Count} resources are running and healthy, {Seconds:0.0} s after the AppHost began")]
    private static partial void LogAllHealthy(ILogger logger, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard: {LoginUrl}")]
    private static partial void LogDashboard(ILogger logger, string loginUrl);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} cannot start: {Reason}")]
    private static partial void LogPrepareFailed(ILogger logger, string resource, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping every resource")]
    private static partial void LogStopping(ILogger logger);
}
