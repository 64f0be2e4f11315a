using System.Globalization;

namespace Scrapbook.Testing;

/// <summary>
/// The Azurite storage emulator (blob and queue services) pinned in eng/azurite, on free loopback
/// ports with a temporary data folder.
/// </summary>
public sealed class AzuriteServer : IAsyncLifetime
{
    /// <summary>Azurite's well-known development account (public, documented by Microsoft).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>Azurite's well-known development account key (public, documented by Microsoft).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data = new("scrapbook-azurite");
    private ServerProcess? _process;

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public string BlobEndpoint => $"http://127.0.0.1:{BlobPort}/{AccountName}";

    public string QueueEndpoint => $"http://127.0.0.1:{QueuePort}/{AccountName}";

    /// <summary>An account-key connection string naming both endpoints, as the AppHost hands it to services.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};";

    public static string Executable => RepoPaths.Combine("eng", "azurite", "node_modules", ".bin", "azurite");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run scripts/prereqs.sh (npm ci in eng/azurite).");
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private async Task StartAsync()
    {
        BlobPort = FreePort.Next();
        QueuePort = FreePort.Next();
        var tablePort = FreePort.Next();
        string[] args =
        [
            "--silent",
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--location", _data.Path,
            "--blobHost", "127.0.0.1", "--blobPort", Format(BlobPort),
            "--queueHost", "127.0.0.1", "--queuePort", Format(QueuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Format(tablePort),
        ];
        var process = await ServerProcess.StartAsync(Executable, args, workingDirectory: _data.Path);
        _process = process;
        var ready = await FreePort.WaitUntilListeningAsync(BlobPort, s_startTimeout, () => process.HasExited)
            && await FreePort.WaitUntilListeningAsync(QueuePort, s_startTimeout, () => process.HasExited);
        if (!ready)
        {
            await process.DisposeAsync();
            _process = null;
            throw new InvalidOperationException($"Azurite did not listen on {BlobPort}/{QueuePort}:{Environment.NewLine}{process.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        _data.Dispose();
    }

    private static string Format(int port) => port.ToString(CultureInfo.InvariantCulture);
}
