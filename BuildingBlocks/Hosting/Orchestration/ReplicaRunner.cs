using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Hosting.Orchestration;

/// <summary>The life of a resource's replica.</summary>
public enum ReplicaState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Restarting,
    Stopping,

    /// <summary>Stopped on request (the dashboard's stop action): not restarted until started again.</summary>
    Stopped,
    Finished,
}

/// <summary>
/// Runs one replica of an executable: starts it, probes its health, restarts it with exponential backoff
/// when it exits unexpectedly, and stops it with SIGTERM, a grace period, then SIGKILL.
/// </summary>
internal sealed partial class ReplicaRunner(
    ExecutableResource resource,
    int replica,
    IReadOnlyDictionary<string, string> environment,
    IReadOnlyList<string> arguments,
    ConsoleLog consoleLog,
    DistributedApplicationOptions options,
    HttpClient healthClient,
    ILogger logger)
{
    private static readonly TimeSpan s_stableRun = TimeSpan.FromSeconds(30);
    private readonly Lock _lock = new();
    private Process? _process;
    private TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _lastLineWasShown;
    private volatile bool _restartRequested;

    // A stop request completes _stopRequested; a start request replaces it and completes _startRequested.
    private TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _startRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _parked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ExecutableResource Resource { get; } = resource;

    public int Replica { get; } = replica;

    public IReadOnlyDictionary<string, string> Environment { get; } = environment;

    public ReplicaState State { get; private set; } = ReplicaState.NotStarted;

    public bool IsHealthy { get; private set; }

    public int? ProcessId { get; private set; }

    public int Restarts { get; private set; }

    public int? LastExitCode { get; private set; }

    /// <summary>The replica's name: the resource's name, followed by <c>-{index}</c> when it has several replicas.</summary>
    public string DisplayName => Resource.Replicas > 1 ? $"{Resource.Name}-{Replica}" : Resource.Name;

    private bool IsStopRequested => _stopRequested.Task.IsCompleted;

    public void MarkWaiting()
    {
        if (!IsStopRequested)
        {
            State = ReplicaState.Waiting;
        }
    }

    /// <summary>Runs until <paramref name="stopping"/> is cancelled, then stops the process.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = options.RestartBackoff;
        while (!stopping.IsCancellationRequested)
        {
            if (IsStopRequested)
            {
                if (!await ParkUntilStartedAsync(stopping))
                {
                    break;
                }

                backoff = options.RestartBackoff;
                continue;
            }

            State = ReplicaState.Starting;
            var startedAt = Stopwatch.StartNew();
            try
            {
                await StartProcessAsync();
                State = ReplicaState.Running;
            }
            catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                LogStartFailed(logger, DisplayName, exception.Message);
                _exited.TrySetResult();
            }

            using var probing = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var probe = ProbeAsync(probing.Token);
            await Task.WhenAny(_exited.Task, _stopRequested.Task).WaitAsync(stopping).ContinueWith(_ => { }, TaskScheduler.Default);
            await probing.CancelAsync();
            await probe;
            IsHealthy = false;
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            if (IsStopRequested)
            {
                await StopProcessAsync();
                continue;
            }

            if (_restartRequested)
            {
                _restartRequested = false;
                Restarts++;
                LogRestartRequested(logger, DisplayName);
                continue;
            }

            if (startedAt.Elapsed > s_stableRun)
            {
                backoff = options.RestartBackoff;
            }

            State = ReplicaState.Restarting;
            Restarts++;
            LogRestarting(logger, DisplayName, LastExitCode, backoff.TotalSeconds);
            await Task.WhenAny(Task.Delay(backoff, stopping), _stopRequested.Task);
            if (stopping.IsCancellationRequested)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxRestartBackoff.Ticks));
        }

        await StopProcessAsync();
        State = ReplicaState.Finished;
        _parked.TrySetResult();
    }

    /// <summary>
    /// Stops the replica on request (SIGTERM, grace, SIGKILL) and keeps it stopped, crash loop included, until
    /// <see cref="Start"/>. Completes once it is stopped, or (for a replica still waiting for its dependencies) at once.
    /// </summary>
    public async Task StopAsync()
    {
        Task parked;
        lock (_lock)
        {
            if (!IsStopRequested)
            {
                _parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _startRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _stopRequested.TrySetResult();
            }

            if (State is ReplicaState.NotStarted or ReplicaState.Waiting)
            {
                State = ReplicaState.Stopped;
                return;
            }

            parked = _parked.Task;
        }

        // The run loop stops the process itself; a process ignoring SIGTERM is killed after the grace period.
        await parked.WaitAsync(options.StopGracePeriod + TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Starts a replica stopped by <see cref="StopAsync"/> again; false when it was not stopped.</summary>
    public bool Start()
    {
        lock (_lock)
        {
            if (!IsStopRequested)
            {
                return false;
            }

            _stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (State == ReplicaState.Stopped)
            {
                State = ReplicaState.Waiting;
            }

            _startRequested.TrySetResult();
            return true;
        }
    }

    /// <summary>Shows the replica as stopped until a start request (true) or the application's stop (false).</summary>
    private async Task<bool> ParkUntilStartedAsync(CancellationToken stopping)
    {
        Task started;
        lock (_lock)
        {
            State = ReplicaState.Stopped;
            ProcessId = null;
            started = _startRequested.Task;
            _parked.TrySetResult();
        }

        LogStoppedOnRequest(logger, DisplayName);
        try
        {
            await started.WaitAsync(stopping);
            LogStartedOnRequest(logger, DisplayName);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task StartProcessAsync()
    {
        _exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = _exited;
        Directory.CreateDirectory(Resource.WorkingDirectory);
        var process = await ProcessLauncher.StartAsync(Resource.Command, arguments, Resource.WorkingDirectory, Environment, p =>
        {
            p.OutputDataReceived += (_, e) => OnLine(e.Data, isError: false);
            p.ErrorDataReceived += (_, e) => OnLine(e.Data, isError: true);
            p.Exited += (_, _) =>
            {
                try
                {
                    LastExitCode = p.ExitCode;
                }
                catch (InvalidOperationException)
                {
                    LastExitCode = null;
                }

                exited.TrySetResult();
            };
        }, Resource.RunAsUser);
        lock (_lock)
        {
            _process = process;
            ProcessId = process.Id;
        }

        LogStarted(logger, DisplayName, process.Id);
    }

    /// <summary>Stops the process (SIGTERM, grace, SIGKILL) and starts it again at once, without backoff; starts a stopped replica.</summary>
    public async Task RestartAsync()
    {
        if (Start())
        {
            return;
        }

        Process? process;
        lock (_lock)
        {
            process = _process;
        }

        if (process is null || _exited.Task.IsCompleted)
        {
            return;
        }

        var exited = _exited.Task;
        _restartRequested = true;
        ProcessLauncher.Signal(process.Id, ProcessLauncher.Sigterm);
        try
        {
            await exited.WaitAsync(options.StopGracePeriod);
        }
        catch (TimeoutException)
        {
            ProcessLauncher.Signal(process.Id, ProcessLauncher.Sigkill);
        }
    }

    private async Task StopProcessAsync()
    {
        Process? process;
        lock (_lock)
        {
            process = _process;
            _process = null;
        }

        if (process is null)
        {
            return;
        }

        State = ReplicaState.Stopping;
        if (!_exited.Task.IsCompleted && ProcessLauncher.Signal(process.Id, ProcessLauncher.Sigterm))
        {
            try
            {
                await _exited.Task.WaitAsync(options.StopGracePeriod);
            }
            catch (TimeoutException)
            {
                LogKilled(logger, DisplayName, options.StopGracePeriod.TotalSeconds);
                ProcessLauncher.Signal(process.Id, ProcessLauncher.Sigkill);
                await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        process.Dispose();
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested && !_exited.Task.IsCompleted)
        {
            var healthy = await IsHealthyNowAsync(cancellationToken);
            if (healthy != IsHealthy)
            {
                IsHealthy = healthy;
                if (healthy)
                {
                    LogHealthy(logger, DisplayName);
                }
                else
                {
                    LogUnhealthy(logger, DisplayName);
                }
            }

            // Probe quickly until healthy (start-up is what everyone waits for), then every few seconds.
            interval = healthy ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 1.5, 1000));
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<bool> IsHealthyNowAsync(CancellationToken cancellationToken)
    {
        try
        {
            switch (Resource.HealthCheck)
            {
                case HealthCheckKind.Tcp:
                    foreach (var endpoint in Resource.Endpoints)
                    {
                        using var client = new TcpClient();
                        await client.ConnectAsync(IPAddress.Loopback, Resource.GetPort(endpoint.Name, Replica), cancellationToken);
                    }

                    return true;
                case HealthCheckKind.Http:
                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        timeout.CancelAfter(TimeSpan.FromSeconds(5));
                        var url = $"http://127.0.0.1:{Resource.GetPort("http", Replica)}{Resource.HealthCheckPath}";
                        using var response = await healthClient.GetAsync(url, timeout.Token);
                        return response.IsSuccessStatusCode;
                    }

                case HealthCheckKind.Custom:
                    return await Resource.HealthProbe!(new ReplicaContext(Resource, Replica), cancellationToken);
                default:
                    return true;
            }
        }
        catch (Exception exception) when (exception is SocketException or HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private void OnLine(string? text, bool isError)
    {
        if (text is null)
        {
            return;
        }

        consoleLog.Add(new ConsoleLine(DateTimeOffset.UtcNow, Replica, isError, text));

        // .NET's console logger writes "warn: …"/"fail: …"/"crit: …" and indents the lines that follow.
        var continuation = text.Length > 0 && char.IsWhiteSpace(text[0]);
        var important = continuation
            ? _lastLineWasShown
            : isError || text.StartsWith("warn:", StringComparison.Ordinal) || text.StartsWith("fail:", StringComparison.Ordinal) || text.StartsWith("crit:", StringComparison.Ordinal);
        _lastLineWasShown = important;
        if (important || options.Verbose)
        {
            lock (s_console)
            {
                Console.Out.WriteLine($"[{DisplayName}] {text}");
            }
        }
    }

    private static readonly Lock s_console = new();

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} started as pid {Pid}")]
    private static partial void LogStarted(ILogger logger, string resource, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} could not start: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string resource, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited (code {ExitCode}); restarting in {Seconds} s")]
    private static partial void LogRestarting(ILogger logger, string resource, int? exitCode, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} restarted on request")]
    private static partial void LogRestartRequested(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} stopped on request")]
    private static partial void LogStoppedOnRequest(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} started on request")]
    private static partial void LogStartedOnRequest(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} did not stop within {Seconds} s of SIGTERM; killed")]
    private static partial void LogKilled(ILogger logger, string resource, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} is healthy")]
    private static partial void LogHealthy(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} is unhealthy")]
    private static partial void LogUnhealthy(ILogger logger, string resource);
}
