using System.Diagnostics;
using Scrapbook.Testing;
using static Scrapbook.Redis.Tests.TestRedis;

namespace Scrapbook.Redis.Tests;

public sealed class StreamTests(RedisServer server) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private readonly RedisServer _server = server;
    private RedisClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = Client(_server.ConnectionString);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    [Fact]
    public async Task XaddWithAnExplicitIdUsesItAndRejectsAnIdThatIsNotLarger()
    {
        Assert.Equal("5-1", await _client.StreamAddAsync("stream:explicit", [new("n", "1")], id: "5-1", cancellationToken: Ct));

        var error = await Assert.ThrowsAsync<RedisServerException>(
            () => _client.StreamAddAsync("stream:explicit", [new("n", "2")], id: "5-0", cancellationToken: Ct));
        Assert.Contains("equal or smaller", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task XaddWithStarLetsRedisChooseIncreasingIds()
    {
        var first = await _client.StreamAddAsync("stream:auto", [new("n", "1")], cancellationToken: Ct);
        var second = await _client.StreamAddAsync("stream:auto", [new("n", "2")], cancellationToken: Ct);

        Assert.Matches(@"^\d+-\d+$", first);
        var entries = await _client.StreamRangeAsync("stream:auto", cancellationToken: Ct);
        Assert.Equal([first, second], entries.Select(e => e.Id));
    }

    [Fact]
    public async Task XaddWithApproximateMaxlenTrimsTheStream()
    {
        for (var i = 0; i < 1000; i++)
        {
            await _client.StreamAddAsync("stream:capped", [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))], maxLength: 100, cancellationToken: Ct);
        }

        var remaining = await _client.StreamRangeAsync("stream:capped", cancellationToken: Ct);

        // "~" trims whole macro-nodes only, so at least 100 entries remain, but far fewer than 1000, and the newest survive.
        Assert.InRange(remaining.Count, 100, 300);
        Assert.Equal("999", remaining[^1]["n"]);
    }

    [Fact]
    public async Task XaddWithExactMaxlenKeepsExactlyThatMany()
    {
        for (var i = 0; i < 50; i++)
        {
            await _client.StreamAddAsync("stream:exact", [new("n", i.ToString(System.Globalization.CultureInfo.InvariantCulture))], maxLength: 10, approximateMaxLength: false, cancellationToken: Ct);
        }

        var remaining = await _client.StreamRangeAsync("stream:exact", cancellationToken: Ct);

        Assert.Equal(10, remaining.Count);
        Assert.Equal("40", remaining[0]["n"]);
    }

    [Fact]
    public async Task XrevrangeReturnsTheNewestEntriesFirst()
    {
        for (var i = 1; i <= 4; i++)
        {
            await _client.StreamAddAsync("stream:reverse", [new("n", $"{i}")], id: $"{i}-0", cancellationToken: Ct);
        }

        var newest = await _client.StreamReverseRangeAsync("stream:reverse", count: 1, cancellationToken: Ct);
        var downFromThree = await _client.StreamReverseRangeAsync("stream:reverse", "3-0", "2-0", cancellationToken: Ct);
        var none = await _client.StreamReverseRangeAsync("stream:missing", count: 1, cancellationToken: Ct);

        Assert.Equal(("4-0", "4"), (Assert.Single(newest).Id, newest[0]["n"]));
        Assert.Equal(["3-0", "2-0"], downFromThree.Select(e => e.Id));
        Assert.Empty(none);
    }

    [Fact]
    public async Task XrangeReturnsEntriesBetweenIdsInOrderWithTheirFields()
    {
        for (var i = 1; i <= 5; i++)
        {
            await _client.StreamAddAsync("stream:range", [new("photo", $"p{i}"), new("kind", "photo.ready")], id: $"{i}-0", cancellationToken: Ct);
        }

        var middle = await _client.StreamRangeAsync("stream:range", "2-0", "4-0", cancellationToken: Ct);
        var firstTwo = await _client.StreamRangeAsync("stream:range", count: 2, cancellationToken: Ct);
        var none = await _client.StreamRangeAsync("stream:missing", cancellationToken: Ct);

        Assert.Equal(["2-0", "3-0", "4-0"], middle.Select(e => e.Id));
        Assert.Equal([new("photo", "p2"), new KeyValuePair<string, string>("kind", "photo.ready")], middle[0].Fields);
        Assert.Equal(["1-0", "2-0"], firstTwo.Select(e => e.Id));
        Assert.Empty(none);
    }

    [Fact]
    public async Task XreadWithoutBlockReturnsNewerEntriesOfSeveralStreams()
    {
        await _client.StreamAddAsync("stream:read:a", [new("v", "a1")], id: "1-0", cancellationToken: Ct);
        await _client.StreamAddAsync("stream:read:a", [new("v", "a2")], id: "2-0", cancellationToken: Ct);
        await _client.StreamAddAsync("stream:read:b", [new("v", "b1")], id: "1-0", cancellationToken: Ct);

        var results = await _client.StreamReadAsync(
            [new RedisStreamPosition("stream:read:a", "1-0"), new RedisStreamPosition("stream:read:b", "1-0"), new RedisStreamPosition("stream:read:none", "0")],
            cancellationToken: Ct);

        var only = Assert.Single(results);
        Assert.Equal("stream:read:a", only.Key);
        Assert.Equal("a2", Assert.Single(only.Entries)["v"]);
    }

    [Fact]
    public async Task XreadBlockWakesOnXaddFromAnotherClient()
    {
        await using var writer = Client(_server.ConnectionString);
        var started = Stopwatch.StartNew();
        var read = _client.StreamReadAsync("stream:wake", "$", block: TimeSpan.FromSeconds(30), cancellationToken: Ct);

        await UntilBlockedClientsAsync(_server, 1);
        Assert.False(read.IsCompleted);
        var id = await writer.StreamAddAsync("stream:wake", [new("photo", "42")], cancellationToken: Ct);
        var entries = await read.WaitAsync(TimeSpan.FromSeconds(20), Ct);

        var entry = Assert.Single(entries);
        Assert.Equal(id, entry.Id);
        Assert.Equal("42", entry["photo"]);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(25), $"woke after {started.Elapsed}, not on the XADD");
    }

    [Fact]
    public async Task ABlockedReadDoesNotStallOtherCommandsOnTheSameClient()
    {
        var read = _client.StreamReadAsync("stream:stall", "$", block: TimeSpan.FromSeconds(30), cancellationToken: Ct);
        await UntilBlockedClientsAsync(_server, 1);

        Assert.Equal(1, await _client.StringIncrementAsync("stream:stall:counter", Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.False(read.IsCompleted);

        await _client.StreamAddAsync("stream:stall", [new("done", "1")], cancellationToken: Ct);
        Assert.Single(await read.WaitAsync(TimeSpan.FromSeconds(20), Ct));
    }

    [Fact]
    public async Task XreadBlockReturnsNothingWhenTheBlockTimeRunsOut()
    {
        var entries = await _client.StreamReadAsync("stream:quiet", "$", block: TimeSpan.FromMilliseconds(100), cancellationToken: Ct);

        Assert.Empty(entries);
    }

    [Fact]
    public async Task CancellingABlockedReadReturnsPromptlyAndLaterReadsStillWork()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var read = _client.StreamReadAsync("stream:cancel", "$", block: Timeout.InfiniteTimeSpan, cancellationToken: cancel.Token);
        await UntilBlockedClientsAsync(_server, 1);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        await UntilBlockedClientsAsync(_server, 0);
        await _client.StreamAddAsync("stream:cancel", [new("n", "1")], id: "1-0", cancellationToken: Ct);
        Assert.Single(await _client.StreamReadAsync("stream:cancel", "0", block: TimeSpan.FromSeconds(5), cancellationToken: Ct));
    }
}
