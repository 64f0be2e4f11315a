using Scrapbook.Testing;

namespace Scrapbook.Messaging.Tests;

/// <summary>The contract on Azurite's queue service, with receivers woken through a real Redis.</summary>
public sealed class StorageQueueContractTests(AzuriteServer azurite, RedisFixture redis) : JobQueueContract
{
    protected override TimeSpan ShortLock => TimeSpan.FromSeconds(2);

    protected override TimeSpan LongLock => TimeSpan.FromSeconds(60);

    protected override bool KeepsJobIdAndTraceparent => false;

    protected override bool CanDelayAbandon => true;

    protected override async Task<IJobQueue> OpenQueueAsync() =>
        Own(await TestQueues.CreateStorageAsync(azurite, redis.Multiplexer));

    protected override Task<IJobQueue> OpenSecondClientAsync(IJobQueue queue) =>
        Task.FromResult<IJobQueue>(Own(TestQueues.OpenStorage(azurite, queue.Name, redis.Multiplexer)));

    protected override async Task<IReadOnlyList<BinaryData>> TakeDeadLetteredAsync(IJobQueue queue)
    {
        var poison = TestQueues.StorageService(azurite).GetQueueClient(queue.DeadLetterName);
        var bodies = new List<BinaryData>();
        while ((await poison.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30), Cancellation)).Value is { Length: > 0 } messages)
        {
            foreach (var message in messages)
            {
                bodies.Add(message.Body);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, Cancellation);
            }
        }

        return bodies;
    }

    protected override string ExpectedDeadLetterName(string queueName) => $"{queueName}-poison";

    protected override Task WaitForWaitingReceiversAsync(IJobQueue queue, int count) =>
        TestQueues.WaitForWaitingReceiversAsync((StorageQueueJobQueue)queue, count);
}
