using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>Real Redis and Azurite, the real Gallery.Api, and Notify.Api discovering it as <c>http://gallery-api</c>.</summary>
public sealed class GalleryReplayFixture : IAsyncLifetime
{
    public BackingServers Servers { get; } = new();

    public ServiceUnderTest Gallery { get; private set; } = null!;

    public ServiceUnderTest Notify { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Servers.InitializeAsync();
        var galleryEnvironment = Servers.EnvironmentFor("gallery-api");
        galleryEnvironment["Outbox__PollInterval"] = "00:00:00.100";
        Gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", galleryEnvironment);
        var notifyEnvironment = Servers.EnvironmentFor("notify-api", new Dictionary<string, Uri[]> { ["gallery-api"] = [Gallery.BaseAddress] });
        notifyEnvironment["Notify__HeartbeatInterval"] = "00:00:00.200";
        Notify = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api", notifyEnvironment);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Notify is not null)
            {
                await Notify.DisposeAsync();
            }

            if (Gallery is not null)
            {
                await Gallery.DisposeAsync();
            }
        }
        finally
        {
            await Servers.DisposeAsync();
        }
    }
}

public sealed class GalleryReplayTests(GalleryReplayFixture fixture) : IClassFixture<GalleryReplayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClientResumingPastWhatTheStreamStillHoldsGetsTheMissedEventsFromGallery()
    {
        using var gallery = new HttpClient { BaseAddress = fixture.Gallery.BaseAddress };
        long seen;
        await using (var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct))
        {
            await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
            var first = await AddReadyPhotoAsync(gallery, "first");
            var ready = await client.NextAsync(f => f.Event == EventTypes.PhotoReady, cancellationToken: Ct);
            Assert.Contains(first.ToString(), ready.Data, StringComparison.Ordinal);
            seen = ready.Sequence;
        }

        var missed = await AddReadyPhotoAsync(gallery, "missed while away");
        await WaitUntilStreamHoldsMoreThanAsync(seen);
        // The stream no longer holds what the client missed: trimmed, as MAXLEN does to a busy stream.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString))
        {
            await redis.GetDatabase().StreamTrimAsync(Channels.EventStream, 0);
        }

        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, lastEventId: seen.ToString(CultureInfo.InvariantCulture), cancellationToken: Ct);
        var replayed = await resumed.NextEventAsync(cancellationToken: Ct);
        var live = await AddReadyPhotoAsync(gallery, "live after the replay");
        var next = await resumed.NextAsync(f => f.Event == EventTypes.PhotoReady, cancellationToken: Ct);

        Assert.Equal(EventTypes.PhotoReady, replayed.Event);
        Assert.Contains(missed.ToString(), replayed.Data, StringComparison.Ordinal);
        Assert.True(replayed.Sequence > seen);
        Assert.Contains(live.ToString(), next.Data, StringComparison.Ordinal);
        Assert.True(next.Sequence > replayed.Sequence);
    }

    /// <summary>Registers a photo and completes its renditions, as Upload.Api and the worker would: Gallery.Api then announces photo.ready.</summary>
    private static async Task<Guid> AddReadyPhotoAsync(HttpClient gallery, string caption)
    {
        var sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var ownerId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        using var register = await gallery.PostAsJsonAsync(
            "/internal/photos",
            new RegisterPhotoRequest(ownerId, sha256, "jpeg", 12_345, 4000, 3000, caption, "Ada"),
            ContractsJsonContext.Default.RegisterPhotoRequest,
            Ct);
        Assert.True(register.IsSuccessStatusCode, $"register answered {(int)register.StatusCode}");
        var photo = (await register.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PhotoDto, Ct))!;

        RenditionsCompletedRequest renditions = new(
            [new RenditionDto("thumb", BlobKeys.Rendition(sha256, "thumb", "webp"), "image/webp", 256, 256, 1000)],
            4000,
            3000,
            "3OcRJYB4d3h/iIeHeEh3eIhw+j2w");
        using var complete = await gallery.PostAsJsonAsync($"/internal/photos/{photo.Id}/renditions", renditions, ContractsJsonContext.Default.RenditionsCompletedRequest, Ct);
        Assert.True(complete.IsSuccessStatusCode, $"renditions answered {(int)complete.StatusCode}");
        return photo.Id;
    }

    /// <summary>The relay has appended something after <paramref name="sequence"/> (so deleting the key really loses it).</summary>
    private async Task WaitUntilStreamHoldsMoreThanAsync(long sequence)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await redis.GetDatabase().StreamRangeAsync(Channels.EventStream, "(" + EventStreamIds.For(sequence), "+", 1)).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "Gallery.Api's relay never appended the missed event.");
            await Task.Delay(50, Ct);
        }
    }
}
