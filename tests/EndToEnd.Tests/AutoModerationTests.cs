using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>Moderation <c>auto</c> through the whole system, with the real classifier the AppHost starts.</summary>
public sealed class AutoModerationTests(ITestOutputHelper output) : DeadlineTest
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task TheClassifierPublishesWhatItAllowsHoldsWhatItDoubtsForAModeratorAndRejectsTheRest()
    {
        CancelAfter(TimeSpan.FromMinutes(9));
        await using var system = new ScrapbookApp
        {
            // A policy on the model's "Drawing" score gives each verdict with the real model's real scores. Through the
            // whole path (the small WebP rendition, made JPEG) they are: landscape below 0.001, cartoon 0.022, blank
            // canvas above 0.6 (docs/classifier.md). A long timeout, so that a slow shared machine never turns a verdict
            // into the fail-closed hold.
            Configure = builder => builder.CreateResourceBuilder<ProjectResource>("thumbnail-worker")
                .WithEnvironment("Classifier__Hold__Drawing", "0.005")
                .WithEnvironment("Classifier__Reject__Drawing", "0.6")
                .WithEnvironment("Classifier__Timeout", "00:01:00"),
        };
        await system.InitializeAsync();
        using var http = system.CreateGatewayClient(TimeSpan.FromMinutes(1));
        (await AdminAsync(http, system.AdminKey, HttpMethod.Put, "/api/admin/settings", JsonContent.Create(new SettingsDto(true, "auto"), ContractsJsonContext.Default.SettingsDto))).Dispose();

        await using var wall = await SseConnection.OpenAsync(system.GatewayUrl, cancellationToken: Cancellation);
        var token = await ScrapbookClient.NewOwnerTokenAsync(http, Cancellation);
        using var folder = new Scrapbook.Testing.TempDirectory("auto-moderation");
        var photos = new Dictionary<LabelledImage, PhotoDto>();
        foreach (var image in new[] { LabelledImage.Landscape, LabelledImage.Cartoon, LabelledImage.BlankCanvas })
        {
            using var upload = await ScrapbookClient.UploadAsync(http, await LabelledImages.JpegAsync(folder.Path, image, Cancellation), "image/jpeg", token, Cancellation);
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
            photos[image] = await WaitForModerationAsync(http, upload.Headers.Location!.OriginalString, token);
            output.WriteLine($"{image}: {photos[image].Moderation}");
        }

        Assert.Equal(
            [ModerationState.Approved, ModerationState.Pending, ModerationState.Rejected],
            photos.Values.Select(photo => photo.Moderation));

        // The held photo waits in the admin queue with what the classifier said; the rejected one is not there.
        using var queueResponse = await AdminAsync(http, system.AdminKey, HttpMethod.Get, "/api/admin/moderation");
        var queue = (await queueResponse.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation))!.Items;
        var held = Assert.Single(queue, photo => photo.Id == photos[LabelledImage.Cartoon].Id);
        Assert.Equal(ClassifierVerdict.Hold, held.Classification!.Verdict);
        Assert.Equal("nsfwjs-mobilenetv2", held.Classification.Classifier);
        Assert.Contains(held.Classification.Labels, label => label.Label == "Drawing" && label.Score >= 0.005);
        Assert.DoesNotContain(queue, photo => photo.Id == photos[LabelledImage.BlankCanvas].Id);

        // The wall got the allowed photo; a moderator's approval publishes the held one, and the rejected one never shows.
        await wall.NextAsync(f => f.Event == EventTypes.PhotoReady && IdOf(f) == photos[LabelledImage.Landscape].Id, s_patience, Cancellation);
        (await AdminAsync(http, system.AdminKey, HttpMethod.Post, $"/api/admin/moderation/{held.Id}/approve")).Dispose();
        var approved = await wall.NextAsync(f => f.Event == EventTypes.PhotoReady, s_patience, Cancellation);
        Assert.Equal(held.Id, IdOf(approved));

        using var list = await http.GetAsync("/api/photos?limit=100", Cancellation);
        var wallIds = (await list.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoPage, Cancellation))!.Items.Select(p => p.Id).ToList();
        Assert.Equal([held.Id, photos[LabelledImage.Landscape].Id], wallIds);
    }

    private async Task<PhotoDto> WaitForModerationAsync(HttpClient http, string location, string token)
    {
        var photo = await ScrapbookClient.WaitUntilProcessedAsync(http, location, token, s_patience, Cancellation);
        Assert.Equal(PhotoStatus.Ready, photo.Status);
        return photo;
    }

    private async Task<HttpResponseMessage> AdminAsync(HttpClient http, string adminKey, HttpMethod method, string path, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("X-Admin-Key", adminKey);
        var response = await http.SendAsync(request, Cancellation);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancellation)}");
        return response;
    }

    private static Guid IdOf(SseFrame frame) => JsonDocument.Parse(frame.Data!).RootElement.GetProperty("id").GetGuid();
}
