using System.Net;
using System.Net.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>
/// Real Redis, Azurite and a real Gallery.Api process (SQLite), plus the worker's pieces in-process on the same
/// Azurite and pointed at that Gallery.Api. Worker processes are started on demand, wired as the AppHost wires them.
/// </summary>
internal sealed class GalleryHarness : IAsyncDisposable
{
    private static readonly string s_ownerId = new('0', 64);
    private readonly List<ServiceUnderTest> _workers = [];
    private readonly HttpClient _http;

    private GalleryHarness(BackingServers servers, ServiceUnderTest gallery, WorkerHarness worker)
    {
        Servers = servers;
        Gallery = gallery;
        Worker = worker;
        _http = new HttpClient { BaseAddress = gallery.BaseAddress };
        _http.DefaultRequestHeaders.Add("X-Admin-Key", servers.AdminKey);
    }

    public BackingServers Servers { get; }

    public ServiceUnderTest Gallery { get; }

    /// <summary>The worker's pieces, in-process, on the same Azurite and Gallery.Api.</summary>
    public WorkerHarness Worker { get; }

    public static async Task<GalleryHarness> StartAsync(IReadOnlyDictionary<string, string?>? workerSettings = null, CancellationToken cancellationToken = default)
    {
        var servers = new BackingServers();
        ServiceUnderTest? gallery = null;
        try
        {
            await servers.InitializeAsync();
            gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", servers.EnvironmentFor("gallery-api"), cancellationToken);
            var settings = new Dictionary<string, string?> { ["Worker:GalleryBaseAddress"] = gallery.BaseAddress.ToString() };
            foreach (var (key, value) in workerSettings ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var worker = await WorkerHarness.StartAsync(settings, servers.Azurite, cancellationToken);
            return new GalleryHarness(servers, gallery, worker);
        }
        catch
        {
            if (gallery is not null)
            {
                await gallery.DisposeAsync();
            }

            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a Thumbnail.Worker process with the AppHost's environment plus <paramref name="settings"/>.</summary>
    public async Task<ServiceUnderTest> StartWorkerProcessAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken = default)
    {
        var env = Servers.EnvironmentFor("thumbnail-worker", new Dictionary<string, Uri[]> { ["gallery-api"] = [Gallery.BaseAddress] });
        env["JobQueue__MinPollInterval"] = "00:00:00.100";
        env["JobQueue__MaxPollInterval"] = "00:00:00.500";
        foreach (var (key, value) in settings)
        {
            env[key] = value;
        }

        var worker = await ServiceUnderTest.StartAsync("Thumbnail.Worker", "Scrapbook.Thumbnail.Worker", env, cancellationToken);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>Stores the original and registers the photo as Upload.Api does; Gallery.Api's relay then sends the job.</summary>
    public async Task<PhotoDto> UploadAsync(string path, int width, int height, CancellationToken cancellationToken = default)
    {
        var job = await Worker.StoreOriginalAsync(path, cancellationToken);
        var request = new RegisterPhotoRequest(s_ownerId, job.Sha256, "png", new FileInfo(path).Length, width, height, "a test photo", null);
        using var response = await _http.PostAsJsonAsync("/internal/photos", request, ContractsJsonContext.Default.RegisterPhotoRequest, cancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, cancellationToken))!;
    }

    public async Task<PhotoDto> GetPhotoAsync(Guid id, CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync($"/api/photos/{id:D}", ContractsJsonContext.Default.PhotoDto, cancellationToken))!;

    /// <summary>Polls the photo until it leaves <c>processing</c> or the deadline passes.</summary>
    public async Task<PhotoDto> WaitUntilSettledAsync(Guid id, TimeSpan within, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var photo = await GetPhotoAsync(id, cancellationToken);
            if (photo.Status != PhotoStatus.Processing || DateTime.UtcNow >= deadline)
            {
                return photo;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Every event Gallery.Api's outbox holds, in sequence order.</summary>
    public async Task<IReadOnlyList<EventEnvelope>> EventsAsync(CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync("/internal/events?after=0&limit=1000", ContractsJsonContext.Default.IReadOnlyListEventEnvelope, cancellationToken))!;

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.DisposeAsync();
        }

        _http.Dispose();
        await Worker.DisposeAsync();
        await Gallery.DisposeAsync();
        await Servers.DisposeAsync();
    }
}
