using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>
/// The whole system started by the real AppHost (Aspire.Hosting.Testing), used as a person would through the gateway,
/// with the photo's trace read back from the Aspire dashboard's telemetry API.
/// </summary>
public sealed class TraceTests(ScrapbookApp system) : IClassFixture<ScrapbookApp>
{
    private static readonly TimeSpan s_processingDeadline = TimeSpan.FromMinutes(2);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadArrivesLiveAsReadyItsThumbnailIsServedAndOneTraceOnTheDashboardCrossesEveryService()
    {
        using var http = system.CreateGatewayClient();
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        await using var events = await SseConnection.OpenAsync(system.GatewayUrl, bearerToken: token, cancellationToken: Cancellation);
        Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);

        var uploaded = await UploadAsync(http, token, "live.jpg");
        var ready = await events.NextAsync(f => f.Event == EventTypes.PhotoReady && f.Data!.Contains(uploaded.Id.ToString("D"), StringComparison.Ordinal), s_processingDeadline, Cancellation);
        var photo = JsonSerializer.Deserialize(ready.Data!, ContractsJsonContext.Default.PhotoDto)!;
        Assert.Equal(uploaded.Id, photo.Id);
        Assert.Equal(PhotoStatus.Ready, photo.Status);

        using var thumbnail = await http.GetAsync(photo.Urls.Thumb, Cancellation);
        Assert.Equal(HttpStatusCode.OK, thumbnail.StatusCode);
        Assert.Contains("immutable", thumbnail.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var webp = await thumbnail.Content.ReadAsByteArrayAsync(Cancellation);
        Assert.Equal("WEBP", System.Text.Encoding.ASCII.GetString(webp, 8, 4));

        var trace = await system.WaitForPhotoTraceAsync(photo.Id, Cancellation);
        Assert.Superset(ScrapbookApp.Services.ToHashSet(), trace.Services.ToHashSet());
        Assert.Equal("gateway", trace.RootService);
    }

    private static async Task<PhotoDto> UploadAsync(HttpClient http, string token, string name)
    {
        using var folder = new TempDirectory("e2e");
        var jpeg = await ScrapbookClient.MakeJpegAsync(Path.Combine(folder.Path, name), 800, 600, Cancellation);
        using var response = await ScrapbookClient.UploadAsync(http, jpeg, "image/jpeg", token, Cancellation);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Cancellation))!;
    }
}
