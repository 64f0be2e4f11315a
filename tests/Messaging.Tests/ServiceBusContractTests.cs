using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scrapbook.Messaging.Tests;

/// <summary>
/// The contract on a real Service Bus queue, run by a person against their own namespace; skipped when
/// <c>SCRAPBOOK_TEST_SERVICEBUS</c> is unset (CI). The tests share the one queue, so each starts by draining it.
/// </summary>
public sealed class ServiceBusContractTests(ServiceBusFixture serviceBus) : JobQueueContract, IClassFixture<ServiceBusFixture>
{
    protected override TimeSpan ShortLock => serviceBus.LockDuration;

    protected override TimeSpan LongLock => serviceBus.LockDuration;

    protected override bool KeepsJobIdAndTraceparent => true;

    protected override bool CanDelayAbandon => false;

    protected override async Task<IJobQueue> OpenQueueAsync()
    {
        Assert.SkipUnless(serviceBus.IsConfigured, ServiceBusFixture.SkipReason);
        var queue = Own(new ServiceBusJobQueue(serviceBus.Client, serviceBus.Administration, serviceBus.QueueName, NullLogger<ServiceBusJobQueue>.Instance));

        // Left over from an earlier run that failed half-way; draining also opens the receive link before a test times anything.
        while (await queue.ReceiveAsync(32, LongLock, TimeSpan.FromSeconds(1), Cancellation) is { Count: > 0 } leftovers)
        {
            foreach (var message in leftovers)
            {
                await queue.CompleteAsync(message, Cancellation);
            }
        }

        return queue;
    }

    protected override Task<IJobQueue> OpenSecondClientAsync(IJobQueue queue)
    {
        var client = Own(ServiceBusFixture.CreateClient(ServiceBusFixture.Connection!));
        return Task.FromResult<IJobQueue>(Own(new ServiceBusJobQueue(client, serviceBus.Administration, queue.Name, NullLogger<ServiceBusJobQueue>.Instance)));
    }

    protected override async Task<IReadOnlyList<BinaryData>> TakeDeadLetteredAsync(IJobQueue queue)
    {
        await using var receiver = serviceBus.Client.CreateReceiver(queue.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var bodies = new List<BinaryData>();
        while (await receiver.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(2), Cancellation) is { Count: > 0 } messages)
        {
            foreach (var message in messages)
            {
                bodies.Add(message.Body);
                await receiver.CompleteMessageAsync(message, Cancellation);
            }
        }

        return bodies;
    }

    protected override string ExpectedDeadLetterName(string queueName) => $"{queueName}/$deadletterqueue";
}
