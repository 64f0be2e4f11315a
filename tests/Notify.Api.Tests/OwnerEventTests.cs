using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>
/// Owner-only events, with Notify.Api beside the real Gallery.Api that says whom owner tokens act for; the tests write the
/// events stream as the relay would (this class's Gallery.Api writes nothing there itself).
/// </summary>
public sealed class OwnerEventTests(GalleryReplayFixture fixture) : IClassFixture<GalleryReplayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOwnerOnlyEventReachesOnlyItsOwner()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Servers.Redis.ConnectionString);
        var events = new RelayedEventWriter(redis);
        var ownerToken = OwnerToken.Create();
        var ownerId = OwnerToken.ComputeHash(ownerToken)!;
        await using var owner = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, bearerToken: ownerToken, cancellationToken: Ct);
        await using var stranger = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, bearerToken: OwnerToken.Create(), cancellationToken: Ct);
        await using var anonymous = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);

        var privateEvent = await events.AddEventAsync(EventTypes.PhotoFailed, """{"reason":"not an image"}""", ownerId, Ct);
        var publicEvent = await events.AddPhotoEventAsync("for everyone", Ct);

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
