using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>Uploads in flight while a worker dies: nothing accepted is lost.</summary>
public sealed class WorkerCrashUnderLoadTests(ITestOutputHelper output) : DeadlineTest
{
    private const int Uploads = 60;
    [Fact]
    public async Task SixtyConcurrentUploadsWithAWorkerKilledMidRunAllBecomeReady()
    {
        CancelAfter(TimeSpan.FromMinutes(8));
        await using var system = new ScrapbookApp
        {
            // A short lock, so the killed worker's jobs come back within the test's patience rather than after a minute.
            Configure = builder => builder.CreateResourceBuilder<ProjectResource>("thumbnail-worker").WithEnvironment("Worker__VisibilityTimeout", "00:00:08"),
        };
        await system.InitializeAsync();
        using var http = system.CreateGatewayClient(TimeSpan.FromMinutes(1));
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        using var folder = new Scrapbook.Testing.TempDirectory("crash-under-load");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, "base.jpg"), 2400, 1800, Cancellation);

        await using var events = await SseConnection.OpenAsync(system.GatewayUrl, bearerToken: token, cancellationToken: Cancellation);
        var outcomes = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var readyCount = 0;
        var listening = Task.Run(async () =>
        {
            while (outcomes.Count < Uploads)
            {
                var frame = await events.NextAsync(f => f.Event is EventTypes.PhotoReady or EventTypes.PhotoFailed, TimeSpan.FromMinutes(5), Cancellation);
                var id = JsonDocument.Parse(frame.Data!).RootElement.GetProperty("id").GetString()!;
                if (outcomes.TryAdd(id, frame.Event!) && frame.Event == EventTypes.PhotoReady)
                {
                    Interlocked.Increment(ref readyCount);
                }
            }
        }, Cancellation);

        var accepted = new ConcurrentBag<string>();
        using var gate = new SemaphoreSlim(12);
        var uploading = Task.WhenAll(Enumerable.Range(0, Uploads).Select(async i =>
        {
            await gate.WaitAsync(Cancellation);
            try
            {
                using var response = await ScrapbookClient.UploadAsync(http, ScrapbookClient.WithJpegComment(jpeg, $"load {i} {Guid.NewGuid()}"), "image/jpeg", token, Cancellation);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                accepted.Add(response.Headers.Location!.OriginalString.Split('/')[^1]);
            }
            finally
            {
                gate.Release();
            }
        }));

        // Mid-run: some photos are ready, most are not. Then one worker's service process dies with SIGKILL, mid-job.
        var midRun = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (Volatile.Read(ref readyCount) < 5 && DateTime.UtcNow < midRun)
        {
            await Task.Delay(50, Cancellation);
        }

        var workers = await system.GetProcessIdsAsync("thumbnail-worker", Cancellation);
        var (victimId, victimPid) = workers.First();
        var victim = ProcessTable.KillService(victimPid);
        output.WriteLine($"killed {victim.Pid} of {victimId} with {Volatile.Read(ref readyCount)} of {Uploads} photos ready");

        await uploading;
        await listening;

        Assert.Equal(Uploads, accepted.Count);
        Assert.Equal(accepted.Order(), outcomes.Keys.Order(), StringComparer.OrdinalIgnoreCase);
        Assert.All(outcomes, outcome => Assert.Equal(EventTypes.PhotoReady, outcome.Value));
        foreach (var id in accepted)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/photos/{id}");
            request.Headers.Authorization = new("Bearer", token);
            using var response = await http.SendAsync(request, Cancellation);
            var photo = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation);
            Assert.Equal(PhotoStatus.Ready, photo!.Status);
        }
    }
}
