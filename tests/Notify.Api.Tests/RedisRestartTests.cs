using System.Net;
using Scrapbook.Contracts;
using StackExchange.Redis;
using Scrapbook.Testing;

namespace Scrapbook.Notify.Api.Tests;

public sealed class RedisRestartTests(NotifyFixture fixture) : IClassFixture<NotifyFixture>
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConnectedClientsGetEveryEventAddedBeforeAndAfterRedisIsKilledAndRestarted()
    {
        await using var client = await SseConnection.OpenAsync(fixture.Notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        List<long> sent = [];
        for (var i = 0; i < 3; i++)
        {
            sent.Add(await AddWhenRedisAnswersAsync($"before {i}")); // another test may have just restarted Redis
        }

        // All three are read before Redis dies: it keeps nothing on disk, so an event the tail had not read yet would be gone.
        var received = (await client.NextEventsFromAsync(sent[0], 3, Ct)).Select(e => e.Sequence).ToList();

        await fixture.Redis.KillAsync();
        // A quiet stream keeps heartbeating while Redis is gone: the connection itself stays up.
        await client.NextAsync(f => f.Comment is not null, cancellationToken: Ct);
        await fixture.Redis.StartAsync(Ct);

        for (var i = 0; i < 3; i++)
        {
            sent.Add(await AddWhenRedisAnswersAsync($"after {i}"));
        }

        received.AddRange((await client.NextEventsAsync(3, Ct)).Select(e => e.Sequence));
        Assert.Equal(sent, received);
    }

    [Fact]
    public async Task ATailThatHasReadNothingYetGetsAnEventAddedTheMomentRedisIsBack()
    {
        // The stream holds entries older than this Notify.Api, so its tail starts after the newest and reads nothing.
        // (Another test of this class may have just restarted Redis, and the fixture's client may still be reconnecting.)
        await AddWhenRedisAnswersAsync("older than the tail");
        var notify = await fixture.StartNotifyAsync(
            new Dictionary<string, string?> { ["Notify__TailMaxBackoff"] = "00:00:02" }, Ct);
        await using var client = await SseConnection.OpenAsync(notify.BaseAddress, cancellationToken: Ct);
        await client.NextAsync(f => f.Retry is not null, cancellationToken: Ct);
        await notify.WaitForOutputAsync("Tail started after", s_deadline, Ct);

        await fixture.Redis.KillAsync();
        // Let the tail's retries back off to their 2 s ceiling, so the event below lands between two of them.
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await fixture.Redis.StartAsync(Ct);
        var sent = await AddWhenRedisAnswersAsync("the moment Redis is back");

        Assert.Equal(sent, (await client.NextEventsAsync(1, Ct))[0].Sequence);
    }

    [Fact]
    public async Task HealthReportsRedisBeingDownAndBackUp()
    {
        using var http = new HttpClient { BaseAddress = fixture.Notify.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(http, HttpStatusCode.OK));

        await fixture.Redis.KillAsync();
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await WaitForHealthAsync(http, HttpStatusCode.ServiceUnavailable));
        }
        finally
        {
            await fixture.Redis.StartAsync(Ct);
        }

        Assert.Equal(HttpStatusCode.OK, await WaitForHealthAsync(http, HttpStatusCode.OK));
    }

    /// <summary>Polls /health until it answers <paramref name="expected"/> or the deadline passes; returns the last answer.</summary>
    private static async Task<HttpStatusCode> WaitForHealthAsync(HttpClient http, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        while (true)
        {
            using var response = await http.GetAsync("/health", Ct);
            if (response.StatusCode == expected || DateTime.UtcNow >= deadline)
            {
                return response.StatusCode;
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The test's own client reconnects with its backoff; keep asking until it is back.</summary>
    private async Task<long> AddWhenRedisAnswersAsync(string caption)
    {
        var deadline = DateTime.UtcNow + s_deadline;
        var sequence = fixture.NextSequence();
        while (true)
        {
            try
            {
                return await fixture.AddEventAsync(sequence, EventTypes.PhotoReady, $$"""{"caption":"{{caption}}"}""", cancellationToken: Ct);
            }
            catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, Ct);
            }
        }
    }
}
