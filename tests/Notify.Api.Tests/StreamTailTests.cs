using System.Diagnostics;
using System.Globalization;
using Scrapbook.Contracts;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>
/// How the tail follows the stream without blocking reads: wake-ups make it prompt, the safety read makes it sure.
/// </summary>
public sealed class StreamTailTests(NotifyFixture fixture) : IClassFixture<NotifyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnEventReachesAConnectedClientWithinMillisecondsOfItsWakeUpThoughTheSafetyReadIsHalfAMinuteAway()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        var latencies = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var sequence = await fixture.AddPhotoEventAsync($"quick {i}", Ct);
            await client.NextAsync(f => f.IsEvent && f.Sequence == sequence, cancellationToken: Ct);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // The fixture's safety read comes every 30 s: only the wake-up can explain deliveries this quick.
        Assert.True(latencies.Max() < 2_000, $"deliveries took {string.Join(", ", latencies.Select(l => l.ToString("F0", CultureInfo.InvariantCulture)))} ms");
    }

    [Fact]
    public async Task AnEventWhoseWakeUpWasLostArrivesWithTheNextSafetyRead()
    {
        await using var notify = await fixture.StartNotifyAsync(new Dictionary<string, string?> { ["Notify__TailSafetyInterval"] = "00:00:00.500" }, Ct);
        await using var client = await SseConnection.OpenAsync(notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);

        // Appended as the relay would, but the wake-up never published (as when it is lost on a flaky connection).
        var sequence = fixture.NextSequence();
        await fixture.Database.StreamAddAsync(Channels.EventStream, [new("type", EventTypes.PhotoReady), new("data", "{}")], EventStreamIds.For(sequence));

        Assert.Equal(sequence, (await client.NextAsync(f => f.IsEvent, TimeSpan.FromSeconds(10), Ct)).Sequence);
    }
}

/// <summary>Its own Redis and Notify.Api: the test rewinds the stream's ids, which the other classes' numbering would trip over.</summary>
public sealed class StreamMadeAnewTests(NotifyFixture fixture) : IClassFixture<NotifyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStreamMadeAnewWithLowerIdsResetsConnectedClientsWhoThenGetItsEvents()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        var old = await fixture.AddEventAsync(fixture.NextSequence() + 100, EventTypes.PhotoReady, "{}", cancellationToken: Ct);
        await client.NextAsync(f => f.IsEvent && f.Sequence == old, cancellationToken: Ct);

        // A new database behind Gallery.Api: its outbox numbers start at 1 again, in a stream made anew.
        await fixture.Database.KeyDeleteAsync(Channels.EventStream);
        var first = await fixture.AddEventAsync(1, EventTypes.PhotoReady, """{"caption":"new life"}""", cancellationToken: Ct);
        var second = await fixture.AddEventAsync(2, EventTypes.PhotoReady, """{"caption":"new life 2"}""", cancellationToken: Ct);

        Assert.Equal("reset", (await client.NextEventAsync(cancellationToken: Ct)).Event);
        Assert.Equal([first, second], (await client.NextEventsAsync(2, Ct)).Select(f => f.Sequence));

        // A client coming back with an id from before gets a reset too, not silence.
        await using var resumed = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, lastEventId: old.ToString(CultureInfo.InvariantCulture), cancellationToken: Ct);
        Assert.Equal("reset", (await resumed.NextEventAsync(cancellationToken: Ct)).Event);
        var third = await fixture.AddEventAsync(3, EventTypes.PhotoReady, "{}", cancellationToken: Ct);
        Assert.Equal(third, (await resumed.NextEventAsync(cancellationToken: Ct)).Sequence);
    }
}
