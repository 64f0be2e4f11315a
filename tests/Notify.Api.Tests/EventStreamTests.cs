using System.Text.Json;
using Scrapbook.Contracts;
using Scrapbook.Testing;

namespace Scrapbook.Notify.Api.Tests;

public sealed class EventStreamTests(NotifyFixture fixture) : IClassFixture<NotifyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheStreamOpensAtOnceWithARetryHintAndNoCaching()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);

        Assert.Equal("text/event-stream", client.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(client.Response.Headers.CacheControl?.NoCache);
        Assert.Equal("no", Assert.Single(client.Response.Headers.GetValues("X-Accel-Buffering")));
        var first = await client.NextAsync(_ => true, cancellationToken: Ct);
        Assert.Equal("3000", first.Retry);
    }

    [Fact]
    public async Task AnEventAddedToTheStreamReachesAConnectedClientWithItsIdTypeAndData()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);

        var sequence = await fixture.AddEventAsync(EventTypes.PhotoReady, """{"id":"7d0c","caption":"sunset"}""", cancellationToken: Ct);

        // Skips any earlier test's event the tail was still delivering.
        var received = await client.NextAsync(f => f.IsEvent && f.Sequence >= sequence, cancellationToken: Ct);
        Assert.Equal(sequence, received.Sequence);
        Assert.Equal(EventTypes.PhotoReady, received.Event);
        Assert.Equal("sunset", JsonDocument.Parse(received.Data!).RootElement.GetProperty("caption").GetString());
    }

    [Fact]
    public async Task AQuietStreamSendsHeartbeatComments()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);

        var first = await client.NextAsync(f => f.Comment is not null, cancellationToken: Ct);
        var second = await client.NextAsync(f => f.Comment is not null, cancellationToken: Ct);

        Assert.Equal("heartbeat", first.Comment);
        Assert.Equal("heartbeat", second.Comment);
    }

    [Fact]
    public async Task AClientThatReconnectsWithLastEventIdGetsWhatItMissedFromTheStreamThenLiveEventsWithoutDuplicates()
    {
        var before = await fixture.AddPhotoEventAsync("before", Ct);
        long seen;
        await using (var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct))
        {
            await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
            seen = await fixture.AddPhotoEventAsync("seen", Ct);
            // "before" may still be on its way to clients that joined after it was added; only "seen" matters here.
            Assert.Equal(seen, (await client.NextEventsFromAsync(before + 1, 1, Ct))[0].Sequence);
        }

        var missed1 = await fixture.AddPhotoEventAsync("missed 1", Ct);
        var missed2 = await fixture.AddPhotoEventAsync("missed 2", Ct);

        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, lastEventId: seen.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken: Ct);
        var replayed = await resumed.NextEventsAsync(2, Ct);
        var live = await fixture.AddPhotoEventAsync("live", Ct);
        var next = await resumed.NextEventAsync(cancellationToken: Ct);

        Assert.True(before < seen);
        Assert.Equal([missed1, missed2, live], [.. replayed.Select(e => e.Sequence), next.Sequence]);
        Assert.Contains("missed 1", replayed[0].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLastEventIdQueryParameterWorksForClientsThatCannotSetHeaders()
    {
        var seen = await fixture.AddPhotoEventAsync("seen", Ct);
        var missed = await fixture.AddPhotoEventAsync("missed", Ct);

        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, path: $"/api/events?lastEventId={seen}", cancellationToken: Ct);

        Assert.Equal(missed, (await resumed.NextEventAsync(cancellationToken: Ct)).Sequence);
    }

    [Fact]
    public async Task AClientWhoseEventsNeitherTheStreamNorGalleryCanReplayIsToldToReset()
    {
        await using var observer = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        await observer.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        var seen = await fixture.AddPhotoEventAsync("seen", Ct);
        var lost = await fixture.AddPhotoEventAsync("lost", Ct);
        // Once the tail has published it, the event belongs to the past for any client that connects later.
        await observer.NextAsync(f => f.IsEvent && f.Sequence == lost, cancellationToken: Ct);
        // The stream no longer holds what followed (as if trimmed) and Gallery.Api is unreachable.
        await fixture.Database.KeyDeleteAsync(Channels.EventStream);

        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, lastEventId: seen.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken: Ct);
        var reset = await resumed.NextEventAsync(cancellationToken: Ct);
        var live = await fixture.AddPhotoEventAsync("after the reset", Ct);

        Assert.Equal("reset", reset.Event);
        Assert.Null(reset.Id);
        Assert.Equal(live, (await resumed.NextEventAsync(cancellationToken: Ct)).Sequence);
    }
}
