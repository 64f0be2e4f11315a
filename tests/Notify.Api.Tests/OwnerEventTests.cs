using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>
/// Notify.Api beside the real Gallery.Api, which says whom owner tokens act for (a paired device, a revoked one); the
/// tests write the events stream as the relay would.
/// </summary>
public sealed class OwnerEventsFixture : IAsyncLifetime
{
    private ConnectionMultiplexer? _redis;

    public BackingServers Servers { get; } = new();

    public ServiceUnderTest Gallery { get; private set; } = null!;

    public ServiceUnderTest Notify { get; private set; } = null!;

    public RelayedEventWriter Events { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Servers.InitializeAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(Servers.Redis.ConnectionString);
        Events = new RelayedEventWriter(_redis);
        Gallery = await ServiceUnderTest.StartAsync("Gallery.Api", "Scrapbook.Gallery.Api", Servers.EnvironmentFor("gallery-api"));
        Notify = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api",
            Servers.EnvironmentFor("notify-api", new Dictionary<string, Uri[]> { ["gallery-api"] = [Gallery.BaseAddress] }));
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

            if (_redis is not null)
            {
                await _redis.DisposeAsync();
            }
        }
        finally
        {
            await Servers.DisposeAsync();
        }
    }
}

public sealed class OwnerEventTests(OwnerEventsFixture fixture) : IClassFixture<OwnerEventsFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOwnerOnlyEventReachesOnlyItsOwner()
    {
        var ownerToken = OwnerToken.Create();
        var ownerId = OwnerToken.ComputeHash(ownerToken)!;
        await using var owner = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, bearerToken: ownerToken, cancellationToken: Ct);
        await using var stranger = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, bearerToken: OwnerToken.Create(), cancellationToken: Ct);
        await using var anonymous = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);

        var privateEvent = await fixture.Events.AddEventAsync(EventTypes.PhotoFailed, """{"reason":"not an image"}""", ownerId, Ct);
        var publicEvent = await fixture.Events.AddPhotoEventAsync("for everyone", Ct);

        // Events arrive in order, so a stranger's first event of this test being the public one proves the
        // private one never came (earlier tests' events, should the tail still be delivering them, are skipped).
        bool OfThisTest(SseFrame frame) => frame.IsEvent && frame.Sequence >= privateEvent;
        Assert.Equal(privateEvent, (await owner.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
        Assert.Equal(publicEvent, (await owner.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
        Assert.Equal(publicEvent, (await stranger.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
        Assert.Equal(publicEvent, (await anonymous.NextAsync(OfThisTest, cancellationToken: Ct)).Sequence);
    }

    [Fact]
    public async Task ATokenIsRefused503WhileGalleryCannotSayWhoseItIsAndAnonymousStreamsGoOn()
    {
        await using var stoppedGallery = await ServiceUnderTest.StartAsync("Notify.Api", "Scrapbook.Notify.Api",
            fixture.Servers.EnvironmentFor("notify-api", new Dictionary<string, Uri[]> { ["gallery-api"] = [new Uri($"http://127.0.0.1:{FreePort.Next()}")] }),
            Ct);
        using var http = new HttpClient { BaseAddress = stoppedGallery.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", OwnerToken.Create());

        using var refused = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(ProblemTypes.DependencyDown, await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        await using var anonymous = await SseConnection.OpenAsync(stoppedGallery.BaseAddress, cancellationToken: Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, anonymous.Response.StatusCode);
    }
}
