using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Hosting.Tests;

/// <summary>
/// The whole system started by Scrapbook's real AppHost, once for every test of this class, used as a person and a
/// developer would: uploads through the gateway, live events, thumbnails, and the dashboard's resources and traces.
/// (Stopping the AppHost and the dashboard's token check are in <see cref="AppHostTests"/>.)
/// </summary>
public sealed class EndToEndTests(AppHostProcess host) : IClassFixture<AppHostProcess>
{
    private static readonly TimeSpan s_processingDeadline = TimeSpan.FromMinutes(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadArrivesLiveAsReadyItsThumbnailIsServedImmutableAndOneTraceCrossesEveryService()
    {
        using var http = host.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        await using var events = await SseConnection.OpenAsync(host.GatewayUrl, bearerToken: token, cancellationToken: Cancellation);
        Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);

        var uploaded = await UploadAsync(http, token, "live.jpg");
        var ready = await events.NextAsync(f => f.Event == EventTypes.PhotoReady && f.Data!.Contains(uploaded.Id.ToString("D"), StringComparison.Ordinal), s_processingDeadline, Cancellation);
        var photo = JsonSerializer.Deserialize(ready.Data!, ContractsJsonContext.Default.PhotoDto)!;
        Assert.Equal(uploaded.Id, photo.Id);
        Assert.Equal(PhotoStatus.Ready, photo.Status);

        using var thumbnail = await http.GetAsync(photo.Urls.Thumb, Cancellation);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.StartsWith("/media/renditions/", photo.Urls.Thumb, StringComparison.Ordinal);
        Assert.Contains("immutable", thumbnail.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        AssertIsImage(thumbnail.Content.Headers.ContentType?.MediaType, await thumbnail.Content.ReadAsByteArrayAsync(Cancellation));

        var trace = await FindTraceOfPhotoAsync(photo.Id);
        Assert.Superset(new HashSet<string> { "gateway", "upload-api", "gallery-api", "thumbnail-worker", "notify-api" }, trace.Resources);
        Assert.Equal("gateway", trace.Root.GetProperty("resource").GetString());
    }

    [Fact]
    public async Task AWorkerReplicaKilledWithSigkillIsRestartedWithANewPidAndAnUploadRightAfterStillBecomesReady()
    {
        using var dashboard = host.CreateDashboardClient();
        using var http = host.CreateGatewayClient();
        var before = await WorkerReplicaAsync(dashboard, 1);
        var killed = before.GetProperty("processId").GetInt32();
        var restarts = before.GetProperty("restarts").GetInt32();

        Process.GetProcessById(killed).Kill(); // SIGKILL, as a crash would end it
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        var uploaded = await UploadAsync(http, token, "after-kill.jpg");

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var replica = before;
        while (!(replica.GetProperty("isHealthy").GetBoolean() && replica.GetProperty("processId").GetInt32() is var pid && pid != killed && pid != 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Cancellation);
            replica = await WorkerReplicaAsync(dashboard, 1);
        }

        Assert.Equal("thumbnail-worker-1", replica.GetProperty("name").GetString());
        Assert.NotEqual(killed, replica.GetProperty("processId").GetInt32());
        Assert.True(replica.GetProperty("isHealthy").GetBoolean(), replica.ToString());
        Assert.Equal(restarts + 1, replica.GetProperty("restarts").GetInt32());
        var photo = await ScrapbookClient.WaitUntilProcessedAsync(http, $"/api/photos/{uploaded.Id:D}", token, s_processingDeadline, Cancellation);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
    }

    private static async Task<PhotoDto> UploadAsync(HttpClient http, string token, string name)
    {
        using var folder = new TempDirectory("e2e");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, name), 800, 600, Cancellation);
        using var response = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation))!;
    }

    private static async Task<JsonElement> WorkerReplicaAsync(HttpClient dashboard, int index)
    {
        using var resources = JsonDocument.Parse(await dashboard.GetStringAsync("/api/resources", Cancellation));
        return resources.RootElement.EnumerateArray()
            .Single(r => r.GetProperty("name").GetString() == "thumbnail-worker")
            .GetProperty("replicas")[index].Clone();
    }

    private static void AssertIsImage(string? mediaType, byte[] bytes)
    {
        Assert.NotEmpty(bytes);
        switch (mediaType)
        {
            case "image/jpeg":
                Assert.Equal([0xFF, 0xD8, 0xFF], bytes[..3]);
                break;
            case "image/webp":
                Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
                Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(bytes, 8, 4));
                break;
            case "image/avif":
                Assert.Equal("ftyp", System.Text.Encoding.ASCII.GetString(bytes, 4, 4));
                break;
            default:
                Assert.Fail($"The thumbnail is served as '{mediaType}', not as an image.");
                break;
        }
    }

    /// <summary>
    /// The trace holding the worker's span for the photo, with every span received so far: export is batched, so the
    /// dashboard is polled until the gateway's root span and the worker's span are both there (bounded). The list is
    /// filtered by the photo's id, so each poll opens only the traces that mention it.
    /// </summary>
    private async Task<(HashSet<string> Resources, JsonElement Root)> FindTraceOfPhotoAsync(Guid photoId)
    {
        using var dashboard = host.CreateDashboardClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        var seen = "no trace with a thumbnail-worker span for the photo";
        while (DateTime.UtcNow < deadline)
        {
            using var list = JsonDocument.Parse(await dashboard.GetStringAsync($"/api/traces?resource=thumbnail-worker&text={photoId:D}&sort=newest&limit=100", Cancellation));
            foreach (var summary in list.RootElement.EnumerateArray())
            {
                var traceId = summary.GetProperty("traceId").GetString()!;
                using var detail = JsonDocument.Parse(await dashboard.GetStringAsync($"/api/traces/{traceId}", Cancellation));
                var spans = detail.RootElement.GetProperty("spans").EnumerateArray().ToList();
                if (!spans.Exists(s => s.GetProperty("resource").GetString() == "thumbnail-worker"
                    && s.GetProperty("attributes").TryGetProperty("scrapbook.photo.id", out var id) && id.GetString() == photoId.ToString("D")))
                {
                    continue;
                }

                var resources = spans.Select(s => s.GetProperty("resource").GetString()!).ToHashSet();
                var root = spans.Where(s => s.GetProperty("parentSpanId").ValueKind == JsonValueKind.Null || s.GetProperty("parentSpanId").GetString() is null or "").ToList();
                seen = $"trace {traceId}: resources [{string.Join(", ", resources.Order())}], roots [{string.Join(", ", root.Select(r => $"{r.GetProperty("resource")}: {r.GetProperty("name")}"))}]";
                if (root.Count == 1 && resources.IsSupersetOf(["gateway", "upload-api", "gallery-api", "thumbnail-worker", "notify-api"]))
                {
                    return (resources, root[0].Clone());
                }
            }

            await Task.Delay(500, Cancellation);
        }

        throw new TimeoutException($"No single trace crossed gateway, upload-api, gallery-api, thumbnail-worker and notify-api for photo {photoId} within a minute; last seen: {seen}");
    }
}
