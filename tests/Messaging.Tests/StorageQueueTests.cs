using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Testing;
using StackExchange.Redis;

namespace Scrapbook.Messaging.Tests;

/// <summary>What only the Storage Queues transport does: the Redis nudge and its poll, base64 bodies, the poison queue.</summary>
public sealed class StorageQueueTests(AzuriteServer azurite, RedisFixture redis) : IAsyncDisposable
{
    private static readonly TimeSpan s_lock = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_longWait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_prompt = TimeSpan.FromMilliseconds(500);

    /// <summary>A poll so slow that only a nudge can deliver within a test's patience.</summary>
    private static readonly JobQueueOptions s_slowPoll = new() { MinPollInterval = TimeSpan.FromSeconds(30), MaxPollInterval = TimeSpan.FromSeconds(30) };

    private readonly List<IAsyncDisposable> _owned = [];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWaitingReceiveWakesOnTheRedisNudgeLongBeforeItsNextPoll()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis.Multiplexer, s_slowPoll));
        var sender = Own(TestQueues.OpenStorage(azurite, queue.Name, redis.Multiplexer));
        await TestQueues.WarmUpAsync(sender, queue);

        var receive = queue.ReceiveAsync(1, s_lock, s_longWait, Cancellation);
        await TestQueues.WaitForWaitingReceiversAsync(queue, 1);
        var stopwatch = Stopwatch.StartNew();
        await sender.SendAsync(TestQueues.NewJob("woken"), Cancellation);
        var received = await receive.WaitAsync(s_longWait, Cancellation);

        Assert.Equal("woken", Assert.Single(received).Body.ToString());
        Assert.True(stopwatch.Elapsed < s_prompt, $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
    }

    [Fact]
    public async Task ANudgeThatLandsWhileTheReceiverIsLookingAtTheQueueIsNotLost()
    {
        var name = TestQueues.UniqueName();
        var sender = Own(TestQueues.OpenStorage(azurite, name, redis.Multiplexer));
        StorageQueueJobQueue? queue = null;

        // After the service has answered "empty" to the receiver's first look, and before the receiver sees that answer, a job is
        // sent and its nudge handled: the worst moment. The receiver must not then wait for its (slow) poll.
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.AddPolicy(new AfterFirstEmptyReceive(async () =>
        {
            var before = queue!.Nudge.Next;
            await sender.SendAsync(TestQueues.NewJob("sent mid-look"), Cancellation);
            await before.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        }), HttpPipelinePosition.PerCall);
        queue = Own(new StorageQueueJobQueue(new QueueServiceClient(azurite.ConnectionString, options), name, redis.Multiplexer, s_slowPoll, NullLogger<StorageQueueJobQueue>.Instance));
        await queue.EnsureCreatedAsync(Cancellation);

        var stopwatch = Stopwatch.StartNew();
        var received = await queue.ReceiveAsync(1, s_lock, s_longWait, Cancellation);

        Assert.Equal("sent mid-look", Assert.Single(received).Body.ToString());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"received after {stopwatch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task WithoutRedisTheBackupPollDeliversWithinTheLongestPollInterval()
    {
        var options = new JobQueueOptions();
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null, options));
        var sender = Own(TestQueues.OpenStorage(azurite, queue.Name, redis: null));

        var receive = queue.ReceiveAsync(1, s_lock, s_longWait, Cancellation);
        await TestQueues.WaitForWaitingReceiversAsync(queue, 1);
        var stopwatch = Stopwatch.StartNew();
        await sender.SendAsync(TestQueues.NewJob("polled"), Cancellation);
        var received = await receive.WaitAsync(s_longWait, Cancellation);

        Assert.Equal("polled", Assert.Single(received).Body.ToString());
        Assert.True(stopwatch.Elapsed < options.MaxPollInterval + TimeSpan.FromSeconds(1), $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
    }

    [Fact]
    public async Task EveryWaitingReceiverWakesAndEachJobGoesToExactlyOneOfThem()
    {
        // Two receive loops in this process, one in another process with its own Redis connection.
        await using var otherRedis = await RedisFixture.ConnectAsync(redis.ConnectionString);
        var here = Own(await TestQueues.CreateStorageAsync(azurite, redis.Multiplexer, s_slowPoll));
        var there = Own(TestQueues.OpenStorage(azurite, here.Name, otherRedis, s_slowPoll));
        var sender = Own(TestQueues.OpenStorage(azurite, here.Name, redis.Multiplexer));
        await TestQueues.WarmUpAsync(sender, here);
        await TestQueues.WarmUpAsync(sender, there);
        var waiting = new List<Task<IReadOnlyList<JobMessage>>>
        {
            here.ReceiveAsync(1, s_lock, s_longWait, Cancellation),
            here.ReceiveAsync(1, s_lock, s_longWait, Cancellation),
            there.ReceiveAsync(1, s_lock, s_longWait, Cancellation),
        };
        var delivered = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            await Eventually.TrueAsync(() => Task.FromResult(here.WaitingReceivers + there.WaitingReceivers == waiting.Count), TimeSpan.FromSeconds(10), $"{waiting.Count} waiting receives");
            var stopwatch = Stopwatch.StartNew();
            await sender.SendAsync(TestQueues.NewJob($"job {i}"), Cancellation);
            var done = await Task.WhenAny(waiting).WaitAsync(s_longWait, Cancellation);
            stopwatch.Stop();

            waiting.Remove(done);
            delivered.Add(Assert.Single(await done).Body.ToString());
            Assert.True(stopwatch.Elapsed < s_prompt, $"job {i} was received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
            Assert.DoesNotContain(waiting, task => task.IsCompleted);
        }

        Assert.Equal(["job 0", "job 1", "job 2"], delivered);
    }

    [Fact]
    public async Task WhileRedisIsDownASendStillSucceedsAtOnceAndThePollDeliversIt()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        await using var _ = server;
        await using var connection = await RedisFixture.ConnectAsync(server.ConnectionString);
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, connection));
        var sender = Own(TestQueues.OpenStorage(azurite, queue.Name, connection));
        await server.KillAsync();

        var receive = queue.ReceiveAsync(1, s_lock, s_longWait, Cancellation);
        await TestQueues.WaitForWaitingReceiversAsync(queue, 1);
        var stopwatch = Stopwatch.StartNew();
        await sender.SendAsync(TestQueues.NewJob("despite redis"), Cancellation);
        var sent = stopwatch.Elapsed;
        var received = await receive.WaitAsync(s_longWait, Cancellation);

        Assert.True(sent < TimeSpan.FromSeconds(1), $"the send took {sent.TotalMilliseconds:F0} ms");
        Assert.Equal("despite redis", Assert.Single(received).Body.ToString());
        Assert.True(stopwatch.Elapsed < new JobQueueOptions().MaxPollInterval + TimeSpan.FromSeconds(1), $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
    }

    [Fact]
    public async Task AfterRedisRestartsTheNudgeWakesWaitingReceiversAgain()
    {
        var server = new RedisServer();
        await server.InitializeAsync();
        await using var _ = server;
        await using var connection = await RedisFixture.ConnectAsync(server.ConnectionString);
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, connection, s_slowPoll));
        var sender = Own(TestQueues.OpenStorage(azurite, queue.Name, connection));
        await TestQueues.WarmUpAsync(sender, queue);
        Assert.Empty(await queue.ReceiveAsync(1, s_lock, TimeSpan.FromMilliseconds(50), Cancellation)); // subscribes

        await server.KillAsync();
        await Eventually.TrueAsync(() => Task.FromResult(!connection.IsConnected), TimeSpan.FromSeconds(10), "the client to notice Redis is gone");
        await server.StartAsync(Cancellation);
        var channel = RedisChannel.Literal(QueueNudge.ChannelName(queue.Name));
        await Eventually.TrueAsync(
            async () => connection.IsConnected && await connection.GetServers()[0].SubscriptionSubscriberCountAsync(channel) > 0,
            TimeSpan.FromSeconds(30),
            "the client to reconnect and subscribe again");

        var receive = queue.ReceiveAsync(1, s_lock, s_longWait, Cancellation);
        await TestQueues.WaitForWaitingReceiversAsync(queue, 1);
        var stopwatch = Stopwatch.StartNew();
        await sender.SendAsync(TestQueues.NewJob("after restart"), Cancellation);
        var received = await receive.WaitAsync(s_longWait, Cancellation);

        Assert.Equal("after restart", Assert.Single(received).Body.ToString());
        Assert.True(stopwatch.Elapsed < s_prompt, $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
    }

    [Fact]
    public async Task AMessageWrittenAsBase64ByThePreviousClientArrivesAsItsBytesAndNewOnesAreWrittenSo()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null));
        var raw = new QueueClient(azurite.ConnectionString, queue.Name); // no encoding: the message text as stored
        byte[] bytes = [0, 1, 2, 250, 255, (byte)'<', (byte)'&'];

        await raw.SendMessageAsync(Convert.ToBase64String(bytes), Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(1, s_lock, TimeSpan.FromSeconds(5), Cancellation));
        Assert.Equal(bytes, received.Body.ToArray());
        Assert.True(await queue.CompleteAsync(received, Cancellation));

        await queue.SendAsync(new OutgoingJob("new", BinaryData.FromBytes(bytes)), Cancellation);
        var stored = Assert.Single((await raw.PeekMessagesAsync(32, Cancellation)).Value);
        Assert.Equal(Convert.ToBase64String(bytes), stored.MessageText);
    }

    [Fact]
    public async Task JobsAndDeadLettersDoNotExpireAfterTheServiceDefaultOfSevenDays()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null));
        var service = TestQueues.StorageService(azurite);
        await queue.SendAsync(TestQueues.NewJob("kept"), Cancellation);
        await queue.SendAsync(TestQueues.NewJob("kept too"), Cancellation);
        var poisoned = Assert.Single(await queue.ReceiveAsync(1, s_lock, TimeSpan.FromSeconds(5), Cancellation));

        Assert.True(await queue.DeadLetterAsync(poisoned, "test", Cancellation));

        var waiting = Assert.Single((await service.GetQueueClient(queue.Name).PeekMessagesAsync(32, Cancellation)).Value);
        var deadLettered = Assert.Single((await service.GetQueueClient(queue.DeadLetterName).PeekMessagesAsync(32, Cancellation)).Value);
        Assert.True(waiting.ExpiresOn > DateTimeOffset.UtcNow.AddYears(1), $"expires {waiting.ExpiresOn:O}");
        Assert.True(deadLettered.ExpiresOn > DateTimeOffset.UtcNow.AddYears(1), $"expires {deadLettered.ExpiresOn:O}");
    }

    [Fact]
    public async Task DeadLetteringWithALostLockStillLeavesACopyInThePoisonQueue()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null));
        await queue.SendAsync(TestQueues.NewJob("twice handled"), Cancellation);
        var first = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(1), TimeSpan.Zero, Cancellation));
        var second = Assert.Single(await queue.ReceiveAsync(1, s_lock, TimeSpan.FromSeconds(10), Cancellation));

        Assert.False(await queue.DeadLetterAsync(first, "late", Cancellation));

        Assert.Equal(new QueueCounts(1, 1), await queue.GetApproximateCountsAsync(Cancellation));
        Assert.True(await queue.CompleteAsync(second, Cancellation));
    }

    [Fact]
    public async Task AReceiptThatIsNotTheMessagesCountsAsALostLock()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null));
        await queue.SendAsync(TestQueues.NewJob(), Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(1, s_lock, TimeSpan.Zero, Cancellation));
        var forged = received with { Lock = "AgAAAAMAAAAAAAAA" };

        Assert.False(await queue.CompleteAsync(forged, Cancellation));
        Assert.Null(await queue.RenewLockAsync(forged, s_lock, Cancellation));
        Assert.True(await queue.CompleteAsync(received, Cancellation));
    }

    [Fact]
    public async Task AMissingQueueIsAnErrorNotALostLock()
    {
        var queue = Own(await TestQueues.CreateStorageAsync(azurite, redis: null));
        await queue.SendAsync(TestQueues.NewJob(), Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(1, s_lock, TimeSpan.Zero, Cancellation));
        await TestQueues.StorageService(azurite).DeleteQueueAsync(queue.Name, Cancellation);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => queue.CompleteAsync(received, Cancellation));
        Assert.Equal(404, error.Status);
    }

    [Fact]
    public void AQueueNameWhosePoisonQueueNameWouldBeTooLongIsRefused()
    {
        var name = new string('a', 57);

        var error = Assert.Throws<ArgumentException>(() => TestQueues.OpenStorage(azurite, name, redis: null));
        Assert.Contains($"{name}-poison", error.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>Runs a callback once, when a Get Messages answer comes back empty, before the client sees it.</summary>
    private sealed class AfterFirstEmptyReceive(Func<Task> callback) : HttpPipelinePolicy
    {
        private int _done;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("The job queue calls the service asynchronously.");

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (message.Request.Method == RequestMethod.Get
                && message.Request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal)
                && message.Response.Status == 200
                && !message.Response.Content.ToString().Contains("<QueueMessage>", StringComparison.Ordinal)
                && Interlocked.Exchange(ref _done, 1) == 0)
            {
                await callback();
            }
        }
    }

    private T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}
