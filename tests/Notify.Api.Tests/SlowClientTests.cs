using Scrapbook.Testing;

namespace Scrapbook.Notify.Api.Tests;

/// <summary>Its own Redis: the megabytes it sends would keep other classes' Notify.Api tails busy.</summary>
public sealed class SlowClientTests(NotifyFixture fixture) : IClassFixture<NotifyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AClientThatNeverReadsIsDisconnectedWhileAFastClientKeepsReceivingEverything()
    {
        var notify = await fixture.StartNotifyAsync(new Dictionary<string, string?> { ["Notify__ConnectionBufferSize"] = "8" }, Ct);
        await using var fast = await SseConnection.OpenAsync(notify.BaseAddress, cancellationToken: Ct);
        await using var slow = await SseConnection.OpenAsync(notify.BaseAddress, startReading: false, receiveBufferSize: 4096, cancellationToken: Ct);
        await fast.NextAsync(f => f.Retry is not null, cancellationToken: Ct);

        // Far more than the socket buffers (the server's send buffer grows up to tcp_wmem's maximum) and the
        // 8-event channel can hold for a client that reads nothing.
        var padding = new string('x', 16 * 1024);
        var events = (int)((MaxSendBufferBytes() + (4 << 20)) / padding.Length);
        var sent = new List<long>();
        for (var i = 0; i < events; i++)
        {
            var sequence = await fixture.AddPhotoEventAsync($"{i} {padding}", Ct);
            sent.Add(sequence);
            Assert.Equal(sequence, (await fast.NextEventAsync(cancellationToken: Ct)).Sequence);
        }

        slow.StartReading();
        var slowFrames = await slow.ReadToEndAsync(TimeSpan.FromSeconds(30), Ct);
        var slowEvents = slowFrames.Where(f => f.IsEvent).Select(f => f.Sequence).ToList();
        Assert.True(slowEvents.Count < sent.Count, $"the slow client got all {sent.Count} events: it was never dropped");
        Assert.Equal(sent.Take(slowEvents.Count), slowEvents);
    }

    private static long MaxSendBufferBytes()
    {
        const string TcpWmem = "/proc/sys/net/ipv4/tcp_wmem";
        return File.Exists(TcpWmem) && File.ReadAllText(TcpWmem).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries) is [_, _, var max]
            ? long.Parse(max, System.Globalization.CultureInfo.InvariantCulture)
            : 4 << 20;
    }
}
