using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

public sealed class JobQueueTests(AzuriteServer azurite)
{
    private static readonly TimeSpan s_visibility = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SentBodyArrivesIntactWithAFirstDequeueCountOfOne()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        var body = BinaryData.FromBytes([0, 1, 2, 250, 255, (byte)'<', (byte)'&']);

        var id = await queue.SendAsync(body, cancellationToken: Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(32, s_visibility, Cancellation));

        Assert.Equal(id, received.MessageId);
        Assert.Equal(body.ToArray(), received.Body.ToArray());
        Assert.Equal(1, received.DequeueCount);
        Assert.NotEmpty(received.PopReceipt);
        Assert.True(await queue.DeleteAsync(received, Cancellation));
    }

    [Fact]
    public async Task AMessageNotDeletedReappearsAfterItsVisibilityTimeoutWithDequeueCountPlusOne()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        await queue.SendAsync(BinaryData.FromString("job"), cancellationToken: Cancellation);

        var first = Assert.Single(await queue.ReceiveAsync(1, s_visibility, Cancellation));
        Assert.Empty(await queue.ReceiveAsync(1, s_visibility, Cancellation));

        var again = await ReceiveWithinDeadlineAsync(queue);

        Assert.Equal(first.MessageId, again.MessageId);
        Assert.Equal(first.DequeueCount + 1, again.DequeueCount);
        Assert.NotEqual(first.PopReceipt, again.PopReceipt);
        Assert.Equal("job", again.Body.ToString());
    }

    [Fact]
    public async Task ExtendingVisibilityKeepsTheMessageHiddenPastItsFirstTimeout()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        await queue.SendAsync(BinaryData.FromString("long job"), cancellationToken: Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(1, s_visibility, Cancellation));

        var extended = await queue.ExtendVisibilityAsync(received, TimeSpan.FromSeconds(5), Cancellation);

        Assert.NotNull(extended);
        Assert.NotEqual(received.PopReceipt, extended.PopReceipt);
        Assert.True(extended.NextVisibleOn > received.NextVisibleOn);

        // Watch well past the original timeout: the message must stay hidden the whole time.
        var watchUntil = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2.5);
        while (DateTimeOffset.UtcNow < watchUntil)
        {
            Assert.Empty(await queue.ReceiveAsync(1, s_visibility, Cancellation));
            await Task.Delay(s_pollInterval, Cancellation);
        }

        Assert.False(await queue.DeleteAsync(received, Cancellation));
        Assert.True(await queue.DeleteAsync(extended, Cancellation));
    }

    [Fact]
    public async Task ApproximateCountsIncludeHiddenMessagesAndFollowMovesToThePoisonQueue()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        await StorageTestStores.CreateQueueAsync(azurite, queue.PoisonQueueName);
        Assert.Equal(new QueueCounts(0, 0), await queue.GetApproximateCountsAsync(Cancellation));

        for (var i = 0; i < 3; i++)
        {
            await queue.SendAsync(BinaryData.FromString($"job {i}"), cancellationToken: Cancellation);
        }

        var hidden = Assert.Single(await queue.ReceiveAsync(1, TimeSpan.FromSeconds(30), Cancellation));
        Assert.Equal(new QueueCounts(3, 0), await queue.GetApproximateCountsAsync(Cancellation));

        Assert.True(await queue.MoveToPoisonAsync(hidden, Cancellation));
        Assert.Equal(new QueueCounts(2, 1), await queue.GetApproximateCountsAsync(Cancellation));
    }

    [Fact]
    public async Task MoveToPoisonLandsTheMessageInThePoisonQueueAndRemovesItFromTheSource()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        var poison = await StorageTestStores.CreateQueueAsync(azurite, queue.PoisonQueueName);
        await queue.SendAsync(BinaryData.FromString("{\"photoId\":42}"), cancellationToken: Cancellation);
        var received = Assert.Single(await queue.ReceiveAsync(1, s_visibility, Cancellation));

        Assert.True(await queue.MoveToPoisonAsync(received, Cancellation));

        var poisoned = await ReceiveWithinDeadlineAsync(poison);
        Assert.Equal("{\"photoId\":42}", poisoned.Body.ToString());

        // Past the source visibility timeout the message would have reappeared had it not been deleted.
        var watchUntil = received.NextVisibleOn + TimeSpan.FromSeconds(1.5);
        while (DateTimeOffset.UtcNow < watchUntil)
        {
            Assert.Empty(await queue.ReceiveAsync(1, s_visibility, Cancellation));
            await Task.Delay(s_pollInterval, Cancellation);
        }
    }

    [Fact]
    public async Task DeleteWithAStalePopReceiptIsReportedAsFalseNotThrown()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        await queue.SendAsync(BinaryData.FromString("contended"), cancellationToken: Cancellation);
        var first = Assert.Single(await queue.ReceiveAsync(1, s_visibility, Cancellation));
        var second = await ReceiveWithinDeadlineAsync(queue);

        Assert.False(await queue.DeleteAsync(first, Cancellation));
        Assert.Null(await queue.ExtendVisibilityAsync(first, s_visibility, Cancellation));
        Assert.False(await queue.DeleteAsync(first with { PopReceipt = "not-a-receipt" }, Cancellation));
        Assert.True(await queue.DeleteAsync(second, Cancellation));
        Assert.False(await queue.DeleteAsync(second, Cancellation));
    }

    [Fact]
    public async Task AnInitialVisibilityDelayHidesANewMessageUntilItPasses()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);
        var sentAt = DateTimeOffset.UtcNow;
        await queue.SendAsync(BinaryData.FromString("later"), TimeSpan.FromSeconds(2), Cancellation);

        Assert.Empty(await queue.ReceiveAsync(1, s_visibility, Cancellation));
        var message = await ReceiveWithinDeadlineAsync(queue);

        Assert.Equal("later", message.Body.ToString());
        Assert.True(DateTimeOffset.UtcNow - sentAt >= TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task AnOversizedBodyIsRejectedBeforeItIsSent()
    {
        var queue = await StorageTestStores.CreateQueueAsync(azurite);

        await Assert.ThrowsAsync<ArgumentException>(() => queue.SendAsync(BinaryData.FromBytes(new byte[(48 * 1024) + 1]), cancellationToken: Cancellation));
    }

    private static async Task<JobMessage> ReceiveWithinDeadlineAsync(IJobQueue queue)
    {
        var deadline = DateTimeOffset.UtcNow + s_deadline;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if ((await queue.ReceiveAsync(1, s_visibility, Cancellation)) is [var message])
            {
                return message;
            }

            await Task.Delay(s_pollInterval, Cancellation);
        }

        throw new TimeoutException($"No message became visible on {queue.Name} within {s_deadline}.");
    }
}
