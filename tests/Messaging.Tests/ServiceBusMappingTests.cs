using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging.Abstractions;

namespace Scrapbook.Messaging.Tests;

public sealed class ServiceBusMappingTests
{
    private const string Traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    [Fact]
    public void AReceivedMessageBecomesAJobMessageWithItsIdBodyTraceparentDeliveryCountAndTimes()
    {
        var enqueued = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var received = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{\"photoId\":42}"),
            messageId: "job-42",
            contentType: "application/json",
            properties: new Dictionary<string, object> { ["traceparent"] = Traceparent },
            lockTokenGuid: Guid.NewGuid(),
            deliveryCount: 3,
            lockedUntil: enqueued.AddMinutes(5),
            sequenceNumber: 7,
            enqueuedTime: enqueued);

        var job = ServiceBusJobMapping.ToJobMessage(received);

        Assert.Equal("job-42", job.MessageId);
        Assert.Equal("{\"photoId\":42}", job.Body.ToString());
        Assert.Equal(Traceparent, job.Traceparent);
        Assert.Equal(3, job.DeliveryCount);
        Assert.Equal(enqueued, job.EnqueuedAt);
        Assert.Equal(enqueued.AddMinutes(5), job.LockedUntil);
        Assert.Same(received, job.Lock);
    }

    [Fact]
    public void AReceivedMessageWithoutAUsableTraceparentHasNone()
    {
        var without = ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString("{}"), messageId: "a", deliveryCount: 1);
        var notText = ServiceBusModelFactory.ServiceBusReceivedMessage(
            body: BinaryData.FromString("{}"),
            messageId: "b",
            properties: new Dictionary<string, object> { ["traceparent"] = 42 },
            deliveryCount: 1);

        Assert.Null(ServiceBusJobMapping.ToJobMessage(without).Traceparent);
        Assert.Null(ServiceBusJobMapping.ToJobMessage(notText).Traceparent);
    }

    [Fact]
    public void AnOutgoingJobBecomesAJsonMessageWithItsIdForDuplicateDetectionAndItsTraceparent()
    {
        var message = ServiceBusJobMapping.ToServiceBusMessage(new OutgoingJob("job-42", BinaryData.FromString("{\"photoId\":42}"), Traceparent));

        Assert.Equal("job-42", message.MessageId);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal("{\"photoId\":42}", message.Body.ToString());
        Assert.Equal(Traceparent, message.ApplicationProperties["traceparent"]);
    }

    [Fact]
    public void AnOutgoingJobWithoutTraceparentCarriesNoTraceparentProperty()
    {
        var message = ServiceBusJobMapping.ToServiceBusMessage(new OutgoingJob("job-1", BinaryData.FromString("{}")));

        Assert.False(message.ApplicationProperties.ContainsKey("traceparent"));
    }

    [Fact]
    public async Task AMessageReceivedFromOneTransportCannotBeSettledOnTheOther()
    {
        await using var client = new ServiceBusClient($"Endpoint=sb://scrapbook-test.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey={Convert.ToBase64String(new byte[32])}");
        await using var serviceBus = new ServiceBusJobQueue(
            client,
            new ServiceBusAdministrationClient($"Endpoint=sb://scrapbook-test.servicebus.windows.net/;SharedAccessKeyName=x;SharedAccessKey={Convert.ToBase64String(new byte[32])}"),
            "thumbnails",
            NullLogger<ServiceBusJobQueue>.Instance);
        await using var storage = new StorageQueueJobQueue(
            new QueueServiceClient(new Uri("http://127.0.0.1:1/devstoreaccount1")),
            "thumbnails",
            redis: null,
            new JobQueueOptions(),
            NullLogger<StorageQueueJobQueue>.Instance);
        var fromServiceBus = ServiceBusJobMapping.ToJobMessage(ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "a", lockTokenGuid: Guid.NewGuid()));
        var fromStorage = new JobMessage("b", 1, BinaryData.FromString("{}"), null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow) { Lock = "pop-receipt" };

        await Assert.ThrowsAsync<ArgumentException>(() => storage.CompleteAsync(fromServiceBus, TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ArgumentException>(() => serviceBus.CompleteAsync(fromStorage, TestContext.Current.CancellationToken));
    }
}
