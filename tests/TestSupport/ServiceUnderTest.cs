using System.Globalization;

namespace Scrapbook.Testing;

/// <summary>
/// One Scrapbook service started from its own build output as a real process on a free loopback
/// port, with the environment an orchestrator would give it.
/// </summary>
public sealed class ServiceUnderTest : IAsyncDisposable
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private readonly ServerProcess _process;

    private ServiceUnderTest(ServerProcess process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>Waits until the service's output contains <paramref name="text"/>; throws with the output when it exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited || DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"'{text}' never appeared{(HasExited ? " (the process exited)" : "")}:{Environment.NewLine}{Output}");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>
    /// Starts <paramref name="projectFolder"/>'s assembly and waits until it answers /alive. Tried up to three times:
    /// a port picked as free can be taken by another test run before the service binds it.
    /// </summary>
    public static async Task<ServiceUnderTest> StartAsync(string projectFolder, string assemblyName, IDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(projectFolder, assemblyName, environment, cancellationToken);
            }
            catch (InvalidOperationException exception) when (attempt < 3 && exception.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<ServiceUnderTest> StartOnceAsync(string projectFolder, string assemblyName, IDictionary<string, string?>? environment, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(RepoPaths.Root, projectFolder, "bin", BuildConfiguration, "net10.0", assemblyName + ".dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the solution in {BuildConfiguration} first.");
        }

        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        // Development unless the caller says otherwise (a benchmark runs a service as it ships); the address is ours.
        var env = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        env["ASPNETCORE_URLS"] = baseAddress.ToString();
        var process = await ServerProcess.StartAsync("dotnet", [dll], workingDirectory: Path.GetDirectoryName(dll), environment: env);
        var service = new ServiceUnderTest(process, baseAddress);

        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + s_startTimeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync("/alive", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, cancellationToken);
        }

        await service.DisposeAsync();
        throw new InvalidOperationException($"{assemblyName} did not become alive at {baseAddress}:{Environment.NewLine}{process.Output}");
    }

    /// <summary>Stops the service the way an orchestrator does: SIGTERM, then SIGKILL if it lingers.</summary>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        return await _process.TerminateAsync(grace);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    /// <summary>The configuration the tests were built in; the services were built the same way.</summary>
    private static string BuildConfiguration =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";
}
