using System.Globalization;
using System.Security.Cryptography;

namespace Scrapbook.Testing;

/// <summary>
/// The classifier of moderation <c>auto</c> (eng/classifier: nsfwjs on Node) on a free loopback port, with a fresh
/// Standard Webhooks secret; ready once its model is loaded and <c>/health</c> answers 200.
/// </summary>
public sealed class ClassifierServer : IAsyncLifetime
{
    /// <summary>Loading the model takes about 6 s on an idle core; the tests share two cores with other servers.</summary>
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(120);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private ServerProcess? _process;

    public static string Directory => RepoPaths.Combine("eng", "classifier");

    /// <summary>The key of <see cref="Secret"/>.</summary>
    public byte[] Key { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The secret in the Standard Webhooks form, as the worker's <c>Classifier:Secret</c> takes it.</summary>
    public string Secret => "whsec_" + Convert.ToBase64String(Key);

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The Node process, for its memory use.</summary>
    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("The classifier is not running.");

    public string Output => _process?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Directory, "node_modules", "nsfwjs", "package.json")))
        {
            throw new InvalidOperationException($"The classifier's npm packages are missing in {Directory}: run scripts/prereqs.sh.");
        }

        var port = FreePort.Next();
        BaseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _process = await ServerProcess.StartAsync(
            "node",
            ["server.js"],
            workingDirectory: Directory,
            environment: new Dictionary<string, string?>
            {
                ["PORT"] = port.ToString(CultureInfo.InvariantCulture),
                ["CLASSIFIER_SECRET"] = Secret,
            });

        var deadline = DateTime.UtcNow + s_startTimeout;
        while (!await IsReadyAsync())
        {
            if (_process.HasExited || DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"The classifier did not become ready:{Environment.NewLine}{_process.Output}");
            }

            await Task.Delay(200);
        }
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(BaseAddress, "health"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.TerminateAsync(TimeSpan.FromSeconds(5));
            await _process.DisposeAsync();
        }

        _http.Dispose();
    }
}
