using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scrapbook.Contracts;
using Scrapbook.Messaging;
using Scrapbook.Storage;
using Scrapbook.Testing;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>
/// A fresh Azurite (so every test has the real <c>thumbnails</c> queue to itself) and the worker's pieces wired
/// in-process exactly as the service wires them, minus the background loop.
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private const string PoisonQueueName = Channels.ThumbnailQueue + "-poison";

    private readonly bool _ownsAzurite;

    private WorkerHarness(AzuriteServer azurite, bool ownsAzurite, TempDirectory files, IHost host)
    {
        Azurite = azurite;
        _ownsAzurite = ownsAzurite;
        Files = files;
        Host = host;
    }

    public AzuriteServer Azurite { get; }

    public TempDirectory Files { get; }

    public IHost Host { get; }

    public IBlobStore Blobs => Host.Services.GetRequiredService<IBlobStore>();

    public IJobQueue Queue => Host.Services.GetRequiredService<IJobQueue>();

    public RenditionPipeline Pipeline => Host.Services.GetRequiredService<RenditionPipeline>();

    public JobHandler Handler => Host.Services.GetRequiredService<JobHandler>();

    /// <summary>A Gallery.Api address where nothing listens (for tests that never get as far as reporting).</summary>
    public static Uri UnreachableGallery { get; } = new($"http://127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}");

    /// <param name="azurite">An Azurite to use (and leave running); a new one owned by the harness when null.</param>
    public static async Task<WorkerHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, AzuriteServer? azurite = null, CancellationToken cancellationToken = default)
    {
        var ownsAzurite = azurite is null;
        azurite ??= new AzuriteServer();
        var files = new TempDirectory("scrapbook-worker-test");
        try
        {
            if (ownsAzurite)
            {
                await azurite.InitializeAsync();
            }

            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                EnvironmentName = Environments.Development,
                ApplicationName = "Scrapbook.Thumbnail.Worker.Tests",
            });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:blobs"] = azurite.ConnectionString,
                ["ConnectionStrings:queues"] = azurite.ConnectionString,
                ["Worker:VisibilityTimeout"] = "00:00:02",
                ["Worker:GalleryBaseAddress"] = UnreachableGallery.ToString(),
                ["Worker:TempDirectory"] = files.Path,
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            builder.AddBasicServiceDefaults();
            builder.AddThumbnailPipeline();
            builder.AddJobQueue(PoisonQueueName); // a reader for the worker's poison queue
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            return new WorkerHarness(azurite, ownsAzurite, files, host);
        }
        catch
        {
            if (ownsAzurite)
            {
                await azurite.DisposeAsync();
            }

            files.Dispose();
            throw;
        }
    }

    /// <summary>Stores the file as an original (as Upload.Api would) and returns the job Gallery.Api's relay would send.</summary>
    public async Task<ThumbnailJob> StoreOriginalAsync(string path, CancellationToken cancellationToken = default)
    {
        string sha256;
        await using (var file = File.OpenRead(path))
        {
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
        }

        await using (var file = File.OpenRead(path))
        {
            await Blobs.PutIfAbsentAsync(BlobKeys.Original(sha256), file, "application/octet-stream", cancellationToken);
        }

        return JobFor(sha256);
    }

    public static ThumbnailJob JobFor(string sha256, Guid? photoId = null) =>
        new(photoId ?? Guid.NewGuid(), sha256, BlobKeys.Original(sha256), null, null);

    public Task SendAsync(ThumbnailJob job, CancellationToken cancellationToken = default) =>
        Queue.SendAsync(new OutgoingJob(job.PhotoId.ToString("N"), BinaryData.FromObjectAsJson(job, ContractsJsonContext.Default.ThumbnailJob)), cancellationToken);

    /// <summary>Receives one message, polling until one is visible or the deadline passes.</summary>
    public async Task<JobMessage> ReceiveAsync(TimeSpan visibility, CancellationToken cancellationToken = default) =>
        await TryReceiveAsync(visibility, Deadline, cancellationToken)
            ?? throw new TimeoutException($"No message became visible on '{Queue.Name}' within {Deadline}.");

    public Task<JobMessage?> TryReceiveAsync(TimeSpan visibility, TimeSpan within, CancellationToken cancellationToken = default) =>
        TryReceiveFromAsync(Queue, visibility, within, cancellationToken);

    /// <summary>Receives from the poison queue (a second client on the same account).</summary>
    public Task<JobMessage?> TryReceivePoisonAsync(TimeSpan within, CancellationToken cancellationToken = default) =>
        TryReceiveFromAsync(Host.Services.GetRequiredKeyedService<IJobQueue>(PoisonQueueName), TimeSpan.FromSeconds(30), within, cancellationToken);

    /// <summary>The environment for a worker process against this Azurite.</summary>
    public Dictionary<string, string?> WorkerEnvironment(IReadOnlyDictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["OTEL_SERVICE_NAME"] = "thumbnail-worker",
            ["ConnectionStrings__blobs"] = Azurite.ConnectionString,
            ["ConnectionStrings__queues"] = Azurite.ConnectionString,
            ["Worker__GalleryBaseAddress"] = UnreachableGallery.ToString(),
            ["JobQueue__MinPollInterval"] = "00:00:00.100",
            ["JobQueue__MaxPollInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            env[key] = value;
        }

        return env;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
        if (_ownsAzurite)
        {
            await Azurite.DisposeAsync();
        }

        Files.Dispose();
    }

    private static async Task<JobMessage?> TryReceiveFromAsync(IJobQueue queue, TimeSpan visibility, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var received = await queue.ReceiveAsync(1, visibility, TimeSpan.Zero, cancellationToken);
            if (received.Count > 0)
            {
                return received[0];
            }

            if (DateTime.UtcNow >= deadline)
            {
                return null;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
