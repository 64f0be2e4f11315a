using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Webhooks;
using Scrapbook.Testing;

namespace Scrapbook.Gallery.Api.Tests;

/// <summary>Webhooks against real receivers on loopback, run once per SQL engine by the sealed subclasses below.</summary>
public abstract class WebhookContractTests(GalleryFixture fixture)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client { get; } = fixture.App.CreateClient();

    [Fact]
    public async Task AReceiverGetsASignedPhotoReadyThatVerifiesWithTheSecretShownOnceAndTheLogShowsIt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var hook = await CreateAsync(Client, receiver.Url, [WebhookEventTypes.PhotoReady]);

        var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);

        var message = await receiver.WaitForAsync(m => m.DataId == photo.Id, s_deadline, Ct);
        Assert.Equal(WebhookEventTypes.PhotoReady, message.Type);
        Assert.Equal("application/json", message.ContentType?.Split(';')[0]);
        Assert.True(message.VerifiesWith(hook.Secret), "the signature verifies with the secret shown at registration");
        Assert.False(message.VerifiesWith(NewSecret()), "and with no other");
        Assert.StartsWith("msg_", message.Id, StringComparison.Ordinal);
        using (var json = message.Json())
        {
            Assert.Equal(photo.Id, json.RootElement.GetProperty("data").GetProperty("id").GetGuid());
            Assert.True(json.RootElement.TryGetProperty("timestamp", out _));
        }

        var attempt = await WaitForAttemptAsync(Client, hook.Webhook.Id, a => a.MessageId == message.Id && a.State == "delivered");
        Assert.Equal((1, 200, WebhookEventTypes.PhotoReady), (attempt.Attempt, attempt.StatusCode, attempt.EventType));
        Assert.Equal("answered 200", attempt.ResponseExcerpt);

        // The secret is never shown again.
        using var read = await Client.SendAsync(HttpMethod.Get, $"/api/webhooks/{hook.Webhook.Id}", adminKey: fixture.AdminKey, cancellationToken: Ct);
        Assert.DoesNotContain(hook.Secret[6..], await read.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var list = await Client.SendAsync(HttpMethod.Get, "/api/webhooks", adminKey: fixture.AdminKey, cancellationToken: Ct);
        Assert.DoesNotContain(hook.Secret[6..], await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReceiverThatFailsThenRecoversGetsTheSameMessageAgainUnderTheSameIdAndTheLogShowsEveryAttempt()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        receiver.Respond = (_, before, _) => Task.FromResult(before < 2 ? 503 : 200);
        var hook = await CreateAsync(Client, receiver.Url, [WebhookEventTypes.PhotoReady]);

        var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);

        await WaitForAttemptAsync(Client, hook.Webhook.Id, a => a.State == "delivered");
        var received = receiver.Received.Where(m => m.DataId == photo.Id).ToList();
        Assert.Equal(3, received.Count);
        Assert.Single(received.Select(m => m.Id).Distinct());
        Assert.All(received, m => Assert.True(m.VerifiesWith(hook.Secret)));
        var attempts = await AttemptsAsync(Client, hook.Webhook.Id);
        Assert.Equal([(1, 503), (2, 503), (3, 200)], attempts.OrderBy(a => a.Attempt).Select(a => (a.Attempt, a.StatusCode ?? 0)));
        Assert.All(attempts, a => Assert.Equal(received[0].Id, a.MessageId));
        Assert.Contains("503", attempts.Single(a => a.Attempt == 1).Error, StringComparison.Ordinal);
        Assert.True(received[1].ReceivedAt > received[0].ReceivedAt);
    }

    [Fact]
    public async Task EachHookGetsOnlyTheEventsItSubscribedToAndAHeldPhotoOnlyOnceApproved()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var deletions = await CreateAsync(Client, receiver.Url, [WebhookEventTypes.PhotoDeleted]);
        var photos = await CreateAsync(Client, receiver.Url, ["photo.*"]);
        var owner = Owner.New();

        await PutSettingsAsync("pre");
        PhotoDto held;
        try
        {
            (held, _) = await Client.AddReadyPhotoAsync(owner, Ct);
            var (other, _) = await Client.AddReadyPhotoAsync(owner, Ct);

            // Nothing about a held photo goes out until a moderator approves it; the other one is never approved.
            await ApproveAsync(held.Id);
            await receiver.WaitForAsync(m => m.DataId == held.Id && m.Type == WebhookEventTypes.PhotoReady, s_deadline, Ct);
            Assert.DoesNotContain(receiver.Received, m => m.DataId == other.Id);
        }
        finally
        {
            await PutSettingsAsync("off");
        }

        using (var delete = await Client.SendAsync(HttpMethod.Delete, $"/api/photos/{held.Id}", owner, cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        await WaitForAttemptAsync(Client, deletions.Webhook.Id, a => a.EventType == WebhookEventTypes.PhotoDeleted && a.State == "delivered");
        await WaitForAttemptAsync(Client, photos.Webhook.Id, a => a.EventType == WebhookEventTypes.PhotoDeleted && a.State == "delivered");
        Assert.Equal([WebhookEventTypes.PhotoDeleted], (await AttemptsAsync(Client, deletions.Webhook.Id)).Select(a => a.EventType));
        // Messages are sent side by side, so the log's order is the order they finished in.
        Assert.Equal(
            [WebhookEventTypes.PhotoApproved, WebhookEventTypes.PhotoDeleted, WebhookEventTypes.PhotoReady],
            (await AttemptsAsync(Client, photos.Webhook.Id)).Select(a => a.EventType).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ARotatedSecretSignsBesideTheOldOneUntilTheOverlapEnds()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var hook = await CreateAsync(Client, receiver.Url, [WebhookEventTypes.PhotoReady]);

        using var rotate = await Client.SendAsync(HttpMethod.Post, $"/api/webhooks/{hook.Webhook.Id}/rotate-secret", adminKey: fixture.AdminKey, cancellationToken: Ct);
        var rotated = await rotate.ReadAsync(ContractsJsonContext.Default.WebhookWithSecret, Ct);
        var (photo, _) = await Client.AddReadyPhotoAsync(Owner.New(), Ct);

        var message = await receiver.WaitForAsync(m => m.DataId == photo.Id, s_deadline, Ct);
        Assert.NotEqual(hook.Secret, rotated.Secret);
        Assert.NotNull(rotated.Webhook.PreviousSecretExpiresAt);
        Assert.Equal(2, message.Signature!.Split(' ').Length);
        Assert.True(message.VerifiesWith(rotated.Secret), "the new secret verifies");
        Assert.True(message.VerifiesWith(hook.Secret), "the old one too, during the overlap");
    }

    [Fact]
    public async Task ATestMessageReachesTheEndpointAndNothingElseDoes()
    {
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var hook = await CreateAsync(Client, receiver.Url, [WebhookEventTypes.PhotoFailed]);

        using var test = await Client.SendAsync(HttpMethod.Post, $"/api/webhooks/{hook.Webhook.Id}/test", adminKey: fixture.AdminKey, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var queued = await test.ReadAsync(ContractsJsonContext.Default.WebhookTestQueued, Ct);

        var message = await receiver.WaitForAsync(m => m.Id == queued.MessageId, s_deadline, Ct);
        Assert.Equal(WebhookEventTypes.Test, message.Type);
        Assert.True(message.VerifiesWith(hook.Secret));
        await WaitForAttemptAsync(Client, hook.Webhook.Id, a => a.MessageId == queued.MessageId && a.State == "delivered");
    }

    [Fact]
    public async Task AnAddressThatIsNotThePublicInternetIsRefusedAtRegistrationAndAtConnectTime()
    {
        var settings = await fixture.IsolatedSettingsAsync(Ct);
        settings["Webhooks:AllowLoopback"] = "false";
        await using var app = new GalleryApp(settings);
        var client = app.CreateClient();
        await using var receiver = await WebhookReceiver.StartAsync(Ct);

        foreach (var url in new[] { "http://10.0.0.1/hook", "http://169.254.169.254/latest", "http://[::1]:80/", receiver.Url.ToString() })
        {
            using var refused = await PostWebhookAsync(client, new WebhookCreateRequest(url, [WebhookEventTypes.PhotoReady]));
            await refused.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.UrlNotAllowed, Ct);
        }

        foreach (var request in new[]
        {
            new WebhookCreateRequest("ftp://example.com/hook", [WebhookEventTypes.PhotoReady]),
            new WebhookCreateRequest("https://example.com/hook", []),
            new WebhookCreateRequest("https://example.com/hook", ["photo.exploded"]),
        })
        {
            using var malformed = await PostWebhookAsync(client, request);
            await malformed.AssertProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Malformed, Ct);
        }

        // A name is only resolved when connecting: "localhost" passes registration and is refused there, every time.
        var byName = await CreateAsync(client, new Uri($"http://localhost:{receiver.Url.Port}/hooks/scrapbook"), [WebhookEventTypes.PhotoReady]);
        using var test = await client.SendAsync(HttpMethod.Post, $"/api/webhooks/{byName.Webhook.Id}/test", adminKey: fixture.AdminKey, cancellationToken: Ct);
        var attempt = await WaitForAttemptAsync(client, byName.Webhook.Id, _ => true);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("loopback", attempt.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task AnEndpointThatFailsForTheWholeRetryWindowIsDisabledWithTheReasonAndGetsNothingMoreUntilTurnedOn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new GalleryApp(await fixture.IsolatedSettingsAsync(Ct), services => services.AddSingleton<TimeProvider>(clock));
        var client = app.CreateClient();
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        receiver.Respond = (_, _, _) => Task.FromResult(500);
        var hook = await CreateAsync(client, receiver.Url, [WebhookEventTypes.PhotoReady]);

        var (photo, _) = await client.AddReadyPhotoAsync(Owner.New(), Ct);
        await WaitForAttemptAsync(client, hook.Webhook.Id, a => a.Attempt == 1);

        // An hour on, and again: retried, still failing, still on. A day on: the window is over.
        clock.Advance(TimeSpan.FromHours(1));
        await WaitForAttemptAsync(client, hook.Webhook.Id, a => a.Attempt == 2);
        Assert.True((await GetAsync(client, hook.Webhook.Id)).Enabled);
        clock.Advance(TimeSpan.FromHours(24));
        var last = await WaitForAttemptAsync(client, hook.Webhook.Id, a => a.Attempt == 3 && a.State == "failed");

        var disabled = await GetAsync(client, hook.Webhook.Id);
        Assert.False(disabled.Enabled);
        Assert.Contains("24 hours", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.Contains("500", disabled.DisabledReason, StringComparison.Ordinal);
        Assert.InRange(disabled.DisabledAt!.Value, clock.GetUtcNow() - TimeSpan.FromSeconds(1), clock.GetUtcNow());
        Assert.Equal(last.MessageId, receiver.Received.Select(m => m.Id).Distinct().Single());

        // Disabled: a new photo makes no message for it. Turned on again: the reason is gone and the next photo is sent.
        var (skipped, _) = await client.AddReadyPhotoAsync(Owner.New(), Ct);
        await app.Redis.WaitForEventsAsync(skipped.Id, events => events.Any(e => e["type"] == EventTypes.PhotoReady), Ct);
        await app.Services.GetRequiredService<WebhookStore>().FanOutAsync(1000, Ct); // past the cursor before it is turned on
        receiver.Respond = (_, _, _) => Task.FromResult(200);
        using (var enable = await client.SendAsync(
            HttpMethod.Patch, $"/api/webhooks/{hook.Webhook.Id}", adminKey: fixture.AdminKey,
            content: JsonContent.Create(new WebhookPatchRequest(Enabled: true), ContractsJsonContext.Default.WebhookPatchRequest), cancellationToken: Ct))
        {
            var enabled = await enable.ReadAsync(ContractsJsonContext.Default.WebhookDto, Ct);
            Assert.True(enabled.Enabled);
            Assert.Null(enabled.DisabledReason);
        }

        var (sent, _) = await client.AddReadyPhotoAsync(Owner.New(), Ct);
        await receiver.WaitForAsync(m => m.DataId == sent.Id, s_deadline, Ct);
        Assert.DoesNotContain(receiver.Received, m => m.DataId == skipped.Id);
        Assert.Contains(receiver.Received, m => m.DataId == photo.Id);
    }

    [Fact]
    public async Task AnEndpointGetsWhatHappensAfterItIsRegisteredAndNotTheHistoryBefore()
    {
        await using var app = new GalleryApp(await fixture.IsolatedSettingsAsync(Ct));
        var client = app.CreateClient();
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var (before, _) = await client.AddReadyPhotoAsync(Owner.New(), Ct);
        await app.Redis.WaitForEventsAsync(before.Id, events => events.Any(e => e["type"] == EventTypes.PhotoReady), Ct);

        await CreateAsync(client, receiver.Url, [WebhookEventTypes.PhotoReady]);
        var (after, _) = await client.AddReadyPhotoAsync(Owner.New(), Ct);

        await receiver.WaitForAsync(m => m.DataId == after.Id, s_deadline, Ct);
        Assert.DoesNotContain(receiver.Received, m => m.DataId == before.Id);
    }

    [Fact]
    public async Task AGalleryStoppedMidDeliveryLosesNothingAndTheRepeatCarriesTheSameId()
    {
        var settings = await fixture.IsolatedSettingsAsync(Ct);
        settings["Webhooks:Timeout"] = "00:00:01";
        await using var receiver = await WebhookReceiver.StartAsync(Ct);
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = (_, before, token) => before == 0 ? answer.Task.WaitAsync(token) : Task.FromResult(200);

        Guid photoId;
        string messageId;
        await using (var first = new GalleryApp(settings))
        {
            var client = first.CreateClient();
            await CreateAsync(client, receiver.Url, [WebhookEventTypes.PhotoReady]);
            photoId = (await client.AddReadyPhotoAsync(Owner.New(), Ct)).Photo.Id;
            messageId = (await receiver.WaitForAsync(m => m.DataId == photoId, s_deadline, Ct)).Id!;
        }

        // The first attempt was cut off before it was recorded. Another Gallery.Api on the same database sends it again
        // once the claim lapses, under the same webhook-id, so the receiver can tell it is a repeat.
        await using var second = new GalleryApp(settings);
        _ = second.CreateClient();
        await receiver.WaitForAsync(m => m.DataId == photoId && m != receiver.Received[0], s_deadline, Ct);
        Assert.All(receiver.Received.Where(m => m.DataId == photoId), m => Assert.Equal(messageId, m.Id));
        answer.TrySetResult(200);
    }

    private async Task<WebhookWithSecret> CreateAsync(HttpClient client, Uri url, IReadOnlyList<string> types)
    {
        using var response = await PostWebhookAsync(client, new WebhookCreateRequest(url.ToString(), types, "test receiver"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync(ContractsJsonContext.Default.WebhookWithSecret, Ct);
    }

    private Task<HttpResponseMessage> PostWebhookAsync(HttpClient client, WebhookCreateRequest request) =>
        client.SendAsync(HttpMethod.Post, "/api/webhooks", adminKey: fixture.AdminKey,
            content: JsonContent.Create(request, ContractsJsonContext.Default.WebhookCreateRequest), cancellationToken: Ct);

    private async Task<WebhookDto> GetAsync(HttpClient client, Guid id)
    {
        using var response = await client.SendAsync(HttpMethod.Get, $"/api/webhooks/{id}", adminKey: fixture.AdminKey, cancellationToken: Ct);
        return await response.ReadAsync(ContractsJsonContext.Default.WebhookDto, Ct);
    }

    private async Task<IReadOnlyList<WebhookAttemptDto>> AttemptsAsync(HttpClient client, Guid id)
    {
        using var response = await client.SendAsync(HttpMethod.Get, $"/api/webhooks/{id}/attempts?limit=100", adminKey: fixture.AdminKey, cancellationToken: Ct);
        return (await response.ReadAsync(ContractsJsonContext.Default.WebhookAttemptPage, Ct)).Items;
    }

    /// <summary>Polls the delivery log until an attempt matches.</summary>
    private async Task<WebhookAttemptDto> WaitForAttemptAsync(HttpClient client, Guid id, Func<WebhookAttemptDto, bool> match)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (true)
        {
            var attempts = await AttemptsAsync(client, id);
            if (attempts.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no matching attempt; the log: {string.Join("; ", attempts.Select(a => $"{a.Attempt} {a.EventType} {a.State} {a.StatusCode} {a.Error}"))}");
            await Task.Delay(50, Ct);
        }
    }

    private async Task ApproveAsync(Guid id)
    {
        using var response = await Client.SendAsync(HttpMethod.Post, $"/api/admin/moderation/{id}/approve", adminKey: fixture.AdminKey, cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task PutSettingsAsync(string moderation)
    {
        using var response = await Client.SendAsync(
            HttpMethod.Put, "/api/admin/settings", adminKey: fixture.AdminKey,
            content: JsonContent.Create(new SettingsDto(true, moderation), ContractsJsonContext.Default.SettingsDto), cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string NewSecret() => "whsec_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
}

[Collection("sqlite")]
public sealed class SqliteWebhookTests(SqliteGalleryFixture fixture) : WebhookContractTests(fixture), IClassFixture<SqliteGalleryFixture>;

[Collection("postgres")]
public sealed class PostgresWebhookTests(PostgresGalleryFixture fixture) : WebhookContractTests(fixture), IClassFixture<PostgresGalleryFixture>;
