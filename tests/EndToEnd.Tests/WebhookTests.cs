using System.Net;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.EndToEnd.Tests;

/// <summary>Webhooks through the whole system: the gateway, Gallery.Api's outbox, a real receiver.</summary>
public sealed class WebhookTests(ITestOutputHelper output) : DeadlineTest
{
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task AMessageCutOffByAKilledGalleryIsSentAgainUnderTheSameIdAndNothingIsLost()
    {
        CancelAfter(TimeSpan.FromMinutes(8));
        await using var receiver = await WebhookReceiver.StartAsync(Cancellation);
        var firstAnswer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        // The first request is never answered: Gallery.Api dies while it waits.
        receiver.Respond = (_, before, token) => before == 0 ? firstAnswer.Task.WaitAsync(token) : Task.FromResult(200);
        await using var system = new ScrapbookApp
        {
            // A short attempt timeout, so the claim of the killed process lapses within the test's patience (twice this, plus 5 s).
            Configure = builder => builder.CreateResourceBuilder<ProjectResource>("gallery-api").WithEnvironment("Webhooks__Timeout", "00:00:05"),
        };
        await system.InitializeAsync();
        using var http = system.CreateGatewayClient();

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/webhooks")
        {
            Content = JsonContent.Create(new WebhookCreateRequest(receiver.Url.ToString(), [WebhookEventTypes.PhotoReady], "e2e"), ContractsJsonContext.Default.WebhookCreateRequest),
        };
        create.Headers.Add("X-Admin-Key", system.AdminKey);
        using var created = await http.SendAsync(create, Cancellation);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var hook = (await created.Content.ReadFromJsonAsync(ContractsJsonContext.Default.WebhookWithSecret, Cancellation))!;

        var photo = await system.UploadNewPhotoAsync("hooked.jpg", Cancellation);
        var first = await receiver.WaitForAsync(m => m.DataId == photo.Id, s_patience, Cancellation);
        var gallery = (await system.GetProcessIdsAsync("gallery-api", Cancellation)).Values.Single();
        var killed = ProcessTable.KillService(gallery);
        output.WriteLine($"killed {killed.Pid} ({killed.Command}) with message {first.Id} in flight");

        // Restarted by the AppHost, Gallery.Api sends it again once the dead process's claim lapses: the same webhook-id.
        var again = await receiver.WaitForAsync(m => m.DataId == photo.Id && m.ReceivedAt > first.ReceivedAt, s_patience, Cancellation);
        Assert.Equal(first.Id, again.Id);
        Assert.True(first.VerifiesWith(hook.Secret) && again.VerifiesWith(hook.Secret));

        // A photo after the restart arrives too, once; and the log, read through the gateway, shows the delivery.
        var later = await system.UploadNewPhotoAsync("after-restart.jpg", Cancellation);
        var next = await receiver.WaitForAsync(m => m.DataId == later.Id, s_patience, Cancellation);
        Assert.NotEqual(first.Id, next.Id);
        var attempts = await WaitForLogAsync(http, system.AdminKey, hook.Webhook.Id, items => items.Any(a => a.MessageId == first.Id && a.State == "delivered"));
        Assert.Single(attempts, a => a.MessageId == first.Id && a.StatusCode == 200);
        Assert.Single(receiver.Received, m => m.DataId == later.Id);
        firstAnswer.TrySetResult(200);
    }

    private async Task<IReadOnlyList<WebhookAttemptDto>> WaitForLogAsync(HttpClient http, string adminKey, Guid id, Func<IReadOnlyList<WebhookAttemptDto>, bool> until)
    {
        var deadline = DateTime.UtcNow + s_patience;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/webhooks/{id}/attempts");
            request.Headers.Add("X-Admin-Key", adminKey);
            using var response = await http.SendAsync(request, Cancellation);
            var page = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.WebhookAttemptPage, Cancellation))!;
            if (until(page.Items) || DateTime.UtcNow > deadline)
            {
                return page.Items;
            }

            await Task.Delay(200, Cancellation);
        }
    }
}
