using System.Diagnostics;

namespace Scrapbook.Messaging.Tests;

/// <summary>
/// What every <see cref="IJobQueue"/> does, whatever carries it. Each transport derives a class that opens its queues; a test sees
/// an empty queue holding only its own messages.
/// </summary>
public abstract class JobQueueContract : IAsyncDisposable
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);
    private readonly List<IAsyncDisposable> _owned = [];

    protected static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    /// <summary>A lock the tests let lapse: short, so they are quick.</summary>
    protected abstract TimeSpan ShortLock { get; }

    /// <summary>A lock that outlasts the test.</summary>
    protected abstract TimeSpan LongLock { get; }

    /// <summary>Service Bus keeps the job's id and trace context; a storage message keeps only its body.</summary>
    protected abstract bool KeepsJobIdAndTraceparent { get; }

    /// <summary>Storage Queues can hide an abandoned message for a while; Service Bus cannot.</summary>
    protected abstract bool CanDelayAbandon { get; }

    /// <summary>An empty queue for this test.</summary>
    protected abstract Task<IJobQueue> OpenQueueAsync();

    /// <summary>A second client on the same queue, as another process has.</summary>
    protected abstract Task<IJobQueue> OpenSecondClientAsync(IJobQueue queue);

    /// <summary>Takes (receives and removes) what is in the queue's dead-letter queue.</summary>
    protected abstract Task<IReadOnlyList<BinaryData>> TakeDeadLetteredAsync(IJobQueue queue);

    protected abstract string ExpectedDeadLetterName(string queueName);

    /// <summary>Returns once <paramref name="count"/> receives wait on the empty queue (where the transport can tell).</summary>
    protected virtual Task WaitForWaitingReceiversAsync(IJobQueue queue, int count) => Task.CompletedTask;

    [Fact]
    public async Task ASentJobArrivesIntactWithADeliveryCountOfOne()
    {
        var queue = await OpenQueueAsync();
        var job = new OutgoingJob(Guid.NewGuid().ToString("N"), BinaryData.FromBytes([0, 1, 2, 250, 255, (byte)'<', (byte)'&']), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var sentAt = DateTimeOffset.UtcNow;

        await queue.SendAsync(job, Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);

        Assert.Equal(job.Body.ToArray(), received.Body.ToArray());
        Assert.Equal(1, received.DeliveryCount);
        Assert.InRange(received.EnqueuedAt, sentAt - TimeSpan.FromMinutes(1), sentAt + TimeSpan.FromMinutes(1));
        Assert.True(received.LockedUntil > received.EnqueuedAt, $"locked until {received.LockedUntil:O}, enqueued {received.EnqueuedAt:O}");
        if (KeepsJobIdAndTraceparent)
        {
            Assert.Equal(job.MessageId, received.MessageId);
            Assert.Equal(job.Traceparent, received.Traceparent);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(received.MessageId));
            Assert.Null(received.Traceparent);
        }

        Assert.True(await queue.CompleteAsync(received, Cancellation));
    }

    [Fact]
    public async Task ASecondSendOfTheSameJobIdIsDroppedWhereTheTransportDetectsDuplicates()
    {
        var queue = await OpenQueueAsync();
        Assert.SkipUnless(KeepsJobIdAndTraceparent, "Storage Queues have no duplicate detection: a second send is a second message.");
        var job = TestQueues.NewJob("once");

        await queue.SendAsync(job, Cancellation);
        await queue.SendAsync(job, Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);

        Assert.Equal(job.MessageId, received.MessageId);
        Assert.Empty(await queue.ReceiveAsync(32, LongLock, TimeSpan.FromSeconds(2), Cancellation));
        Assert.True(await queue.CompleteAsync(received, Cancellation));
    }

    [Fact]
    public async Task ALockedMessageIsNotDeliveredToASecondReceiver()
    {
        var queue = await OpenQueueAsync();
        var other = await OpenSecondClientAsync(queue);
        await queue.SendAsync(TestQueues.NewJob(), Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);

        Assert.Empty(await other.ReceiveAsync(32, LongLock, TimeSpan.FromSeconds(1), Cancellation));
        Assert.Empty(await queue.ReceiveAsync(32, LongLock, TimeSpan.Zero, Cancellation));

        Assert.True(await queue.CompleteAsync(received, Cancellation));
    }

    [Fact]
    public async Task AMessageWhoseLockLapsesIsDeliveredAgainWithDeliveryCountTwo()
    {
        var queue = await OpenQueueAsync();
        var other = await OpenSecondClientAsync(queue);
        var job = TestQueues.NewJob("lapsing");
        await queue.SendAsync(job, Cancellation);
        var first = await ReceiveOneAsync(queue, ShortLock);
        var receivedAt = Stopwatch.StartNew();

        var again = await ReceiveOneAsync(other, LongLock);

        Assert.True(receivedAt.Elapsed >= ShortLock - TimeSpan.FromMilliseconds(500), $"redelivered after {receivedAt.Elapsed}, lock {ShortLock}");
        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.Equal("lapsing", again.Body.ToString());
        Assert.False(await queue.CompleteAsync(first, Cancellation));
        Assert.True(await other.CompleteAsync(again, Cancellation));
    }

    [Fact]
    public async Task RenewingTheLockKeepsTheMessageFromOthersPastItsFirstLock()
    {
        var queue = await OpenQueueAsync();
        var other = await OpenSecondClientAsync(queue);
        await queue.SendAsync(TestQueues.NewJob("long job"), Cancellation);
        var received = await ReceiveOneAsync(queue, ShortLock);
        var receivedAt = Stopwatch.StartNew();

        // Renew halfway through the lock, as a worker does, then watch well past where the first lock would have lapsed.
        await AssertNothingDeliveredAsync(other, receivedAt, ShortLock / 2);
        var renewed = await queue.RenewLockAsync(received, ShortLock * 2, Cancellation);
        Assert.NotNull(renewed);
        Assert.True(renewed.LockedUntil > received.LockedUntil, $"renewed until {renewed.LockedUntil:O}, first lock until {received.LockedUntil:O}");
        await AssertNothingDeliveredAsync(other, receivedAt, ShortLock + TimeSpan.FromSeconds(1.5));

        Assert.Equal(received.MessageId, renewed.MessageId);
        Assert.True(await queue.CompleteAsync(renewed, Cancellation));
        Assert.Empty(await other.ReceiveAsync(1, LongLock, TimeSpan.Zero, Cancellation));
    }

    [Fact]
    public async Task OnceTheLockIsLostRenewReturnsNullAndSettlingReturnsFalse()
    {
        var queue = await OpenQueueAsync();
        var other = await OpenSecondClientAsync(queue);
        await queue.SendAsync(TestQueues.NewJob("contended"), Cancellation);
        var first = await ReceiveOneAsync(queue, ShortLock);
        var second = await ReceiveOneAsync(other, LongLock);

        Assert.Null(await queue.RenewLockAsync(first, ShortLock, Cancellation));
        Assert.False(await queue.CompleteAsync(first, Cancellation));
        Assert.False(await queue.DeadLetterAsync(first, "too late", Cancellation));
        await queue.AbandonAsync(first, TimeSpan.Zero, Cancellation);

        // The holder of the live lock is untouched by all that.
        Assert.Empty(await queue.ReceiveAsync(1, LongLock, TimeSpan.FromSeconds(1), Cancellation));
        Assert.True(await other.CompleteAsync(second, Cancellation));
        await TakeDeadLetteredAsync(queue);
    }

    [Fact]
    public async Task CompletingRemovesTheMessageAndASecondCompleteReturnsFalse()
    {
        var queue = await OpenQueueAsync();
        await queue.SendAsync(TestQueues.NewJob(), Cancellation);
        var received = await ReceiveOneAsync(queue, ShortLock);
        var receivedAt = Stopwatch.StartNew();

        Assert.True(await queue.CompleteAsync(received, Cancellation));
        Assert.False(await queue.CompleteAsync(received, Cancellation));
        Assert.Null(await queue.RenewLockAsync(received, ShortLock, Cancellation));

        // Past the lock it would have come back had it not been removed.
        await AssertNothingDeliveredAsync(queue, receivedAt, ShortLock + TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task AbandoningWithoutDelayRedeliversAtOnce()
    {
        var queue = await OpenQueueAsync();
        await queue.SendAsync(TestQueues.NewJob("retry me"), Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);

        await queue.AbandonAsync(received, TimeSpan.Zero, Cancellation);
        var again = await ReceiveOneAsync(queue, LongLock, within: TimeSpan.FromSeconds(5));

        Assert.Equal(received.MessageId, again.MessageId);
        Assert.Equal(2, again.DeliveryCount);
        Assert.Equal("retry me", again.Body.ToString());
        Assert.True(await queue.CompleteAsync(again, Cancellation));
    }

    [Fact]
    public async Task AbandoningWithADelayHidesTheMessageForAboutThatLong()
    {
        var queue = await OpenQueueAsync();
        Assert.SkipUnless(CanDelayAbandon, "Service Bus cannot delay an abandoned message: a delay leaves the lock to lapse instead.");
        var delay = TimeSpan.FromSeconds(3);
        await queue.SendAsync(TestQueues.NewJob("later"), Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);

        var abandonedAt = Stopwatch.StartNew();
        await queue.AbandonAsync(received, delay, Cancellation);
        var again = await ReceiveOneAsync(queue, LongLock);

        Assert.InRange(abandonedAt.Elapsed, delay - TimeSpan.FromSeconds(1), delay + TimeSpan.FromSeconds(4));
        Assert.Equal(received.MessageId, again.MessageId);
        Assert.Equal("later", again.Body.ToString());
        Assert.True(await queue.CompleteAsync(again, Cancellation));
    }

    [Fact]
    public async Task DeadLetteringMovesTheMessageAndTheCountsShowIt()
    {
        var queue = await OpenQueueAsync();
        Assert.Equal(ExpectedDeadLetterName(queue.Name), queue.DeadLetterName);
        var before = await queue.GetApproximateCountsAsync(Cancellation);
        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync(TestQueues.NewJob($"job {i}"), Cancellation);
        }

        var poisoned = await ReceiveOneAsync(queue, ShortLock);
        var receivedAt = Stopwatch.StartNew();
        await AssertCountsAsync(queue, new QueueCounts(before.Messages + 3, before.DeadLettered)); // a locked message still counts

        Assert.True(await queue.DeadLetterAsync(poisoned, "renders nothing", Cancellation));

        await AssertCountsAsync(queue, new QueueCounts(before.Messages + 2, before.DeadLettered + 1));
        var deadLettered = await TakeDeadLetteredAsync(queue);
        Assert.Contains(poisoned.Body.ToString(), deadLettered.Select(body => body.ToString()));

        // The others are still there, and the dead-lettered one does not come back when its lock would have lapsed.
        var rest = new List<JobMessage>();
        while (rest.Count < 2)
        {
            rest.AddRange(await queue.ReceiveAsync(32, LongLock, TimeSpan.FromSeconds(5), Cancellation));
            Assert.True(receivedAt.Elapsed < s_deadline, "the two other jobs did not arrive");
        }

        Assert.DoesNotContain(poisoned.Body.ToString(), rest.Select(message => message.Body.ToString()));
        await AssertNothingDeliveredAsync(queue, receivedAt, ShortLock + TimeSpan.FromSeconds(1.5));
        foreach (var message in rest)
        {
            Assert.True(await queue.CompleteAsync(message, Cancellation));
        }
    }

    [Fact]
    public async Task ABatchReceiveHandsOutSeveralMessagesEachWithItsOwnLock()
    {
        var queue = await OpenQueueAsync();
        var sent = new[] { "a", "b", "c" };
        foreach (var text in sent)
        {
            await queue.SendAsync(TestQueues.NewJob(text), Cancellation);
        }

        var received = new List<JobMessage>();
        var stopwatch = Stopwatch.StartNew();
        while (received.Count < sent.Length && stopwatch.Elapsed < s_deadline)
        {
            received.AddRange(await queue.ReceiveAsync(32, LongLock, TimeSpan.FromSeconds(5), Cancellation));
        }

        Assert.Equal(sent, received.Select(message => message.Body.ToString()).Order());
        Assert.Equal(sent.Length, received.Select(message => message.MessageId).Distinct().Count());
        foreach (var message in received)
        {
            Assert.True(await queue.CompleteAsync(message, Cancellation));
        }
    }

    [Fact]
    public async Task AReceiveWithNothingToReceiveReturnsEmptyAfterAboutMaxWait()
    {
        var queue = await OpenQueueAsync();
        var maxWait = TimeSpan.FromSeconds(1.5);

        var stopwatch = Stopwatch.StartNew();
        var received = await queue.ReceiveAsync(32, LongLock, maxWait, Cancellation);

        Assert.Empty(received);
        Assert.InRange(stopwatch.Elapsed, maxWait - TimeSpan.FromMilliseconds(100), maxWait + TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task AWaitingReceiveReturnsWithinHalfASecondOfASend()
    {
        var queue = await OpenQueueAsync();
        var other = await OpenSecondClientAsync(queue);

        await TestQueues.WarmUpAsync(other, queue);

        var receive = queue.ReceiveAsync(1, LongLock, TimeSpan.FromSeconds(20), Cancellation);
        await WaitForWaitingReceiversAsync(queue, 1);

        var stopwatch = Stopwatch.StartNew();
        await other.SendAsync(TestQueues.NewJob("now"), Cancellation);
        var received = await receive.WaitAsync(s_deadline, Cancellation);
        stopwatch.Stop();

        var message = Assert.Single(received);
        Assert.Equal("now", message.Body.ToString());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), $"received {stopwatch.Elapsed.TotalMilliseconds:F0} ms after the send");
        Assert.True(await queue.CompleteAsync(message, Cancellation));
    }

    [Fact]
    public async Task ABodyOver48KiBIsRefusedBeforeItIsSentAndOneOfExactly48KiBArrives()
    {
        var queue = await OpenQueueAsync();
        var largest = new byte[48 * 1024];
        Random.Shared.NextBytes(largest);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => queue.SendAsync(new OutgoingJob("too-big", BinaryData.FromBytes(new byte[(48 * 1024) + 1])), Cancellation));
        Assert.Contains("49153", error.Message, StringComparison.Ordinal);
        Assert.Empty(await queue.ReceiveAsync(1, LongLock, TimeSpan.Zero, Cancellation));

        await queue.SendAsync(new OutgoingJob("just-fits", BinaryData.FromBytes(largest)), Cancellation);
        var received = await ReceiveOneAsync(queue, LongLock);
        Assert.Equal(largest, received.Body.ToArray());
        Assert.True(await queue.CompleteAsync(received, Cancellation));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(33)]
    public async Task AReceiveOfFewerThanOneOrMoreThan32MessagesIsRefused(int maxMessages)
    {
        var queue = await OpenQueueAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.ReceiveAsync(maxMessages, LongLock, TimeSpan.Zero, Cancellation));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Disposed when the test ends.</summary>
    protected T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    protected static async Task<JobMessage> ReceiveOneAsync(IJobQueue queue, TimeSpan lockDuration, TimeSpan? within = null)
    {
        var deadline = within ?? s_deadline;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < deadline)
        {
            if (await queue.ReceiveAsync(1, lockDuration, deadline - stopwatch.Elapsed, Cancellation) is [var message])
            {
                return message;
            }
        }

        throw new TimeoutException($"No message arrived on {queue.Name} within {deadline}.");
    }

    /// <summary>Keeps looking at the queue until <paramref name="until"/> after <paramref name="since"/> started; nothing may come.</summary>
    private async Task AssertNothingDeliveredAsync(IJobQueue queue, Stopwatch since, TimeSpan until)
    {
        while (since.Elapsed < until)
        {
            var wait = until - since.Elapsed;
            var received = await queue.ReceiveAsync(1, LongLock, wait > TimeSpan.FromMilliseconds(300) ? TimeSpan.FromMilliseconds(300) : TimeSpan.Zero, Cancellation);
            Assert.True(received.Count == 0, $"message {received.FirstOrDefault()?.MessageId} was delivered {since.Elapsed} after the receive, before {until}");
        }
    }

    private static async Task AssertCountsAsync(IJobQueue queue, QueueCounts expected)
    {
        var last = await queue.GetApproximateCountsAsync(Cancellation);
        var stopwatch = Stopwatch.StartNew();
        while (last != expected && stopwatch.Elapsed < s_deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), Cancellation);
            last = await queue.GetApproximateCountsAsync(Cancellation);
        }

        Assert.Equal(expected, last);
    }
}
