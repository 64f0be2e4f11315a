namespace Scrapbook.Testing;

/// <summary>
/// The photo path of docs/architecture.md as real processes: Gallery.Api, Upload.Api and Thumbnail.Worker
/// started from their build outputs on real Redis, Azurite and SQLite, wired by service discovery
/// exactly as the AppHost wires them.
/// </summary>
public sealed class PhotoPipeline : IAsyncLifetime
{
    private readonly List<ServiceUnderTest> _workers = [];

    public BackingServers Servers { get; } = new();

    public ServiceUnderTest Gallery { get; private set; } = null!;

    public ServiceUnderTest Upload { get; private set; } = null!;

    public IReadOnlyList<ServiceUnderTest> Workers => _workers;

    /// <summary>Extra settings for the worker (e.g. a short visibility timeout for crash tests).</summary>
    public IDictionary<string, string?> WorkerSettings { get; } = new Dictionary<string, string?>
    {
        ["Worker__VisibilityTimeout"] = "00:00:05",
    };

    public async ValueTask InitializeAsync()
    {
        await Servers.InitializeAsync();
        Gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", Servers.EnvironmentFor("gallery-api"));
        Upload = await ServiceUnderTest.StartAsync("Upload.Api", "Scrapbook.Upload.Api", Servers.EnvironmentFor("upload-api", Discovery));
        await StartWorkerAsync();
    }

    /// <summary>Starts one more Thumbnail.Worker replica.</summary>
    public async Task<ServiceUnderTest> StartWorkerAsync(CancellationToken cancellationToken = default)
    {
        var env = Servers.EnvironmentFor("thumbnail-worker", Discovery);
        foreach (var (key, value) in WorkerSettings)
        {
            env[key] = value;
        }

        var worker = await ServiceUnderTest.StartAsync("Thumbnail.Worker", "Scrapbook.Thumbnail.Worker", env, cancellationToken);
        _workers.Add(worker);
        return worker;
    }

    private Dictionary<string, Uri[]> Discovery => new() { ["gallery-api"] = [Gallery.BaseAddress] };

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        if (Upload is not null)
        {
            await Upload.DisposeAsync();
        }

        if (Gallery is not null)
        {
            await Gallery.DisposeAsync();
        }

        await Servers.DisposeAsync();
    }
}
