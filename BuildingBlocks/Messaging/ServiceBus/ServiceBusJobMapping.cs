using Azure.Messaging.ServiceBus;

namespace Scrapbook.Messaging;

/// <summary>Between the transport-neutral job types and Service Bus messages.</summary>
internal static class ServiceBusJobMapping
{
    public const string TraceparentProperty = "traceparent";
    public const string JsonContentType = "application/json";

    public static ServiceBusMessage ToServiceBusMessage(OutgoingJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var message = new ServiceBusMessage(job.Body)
        {
            MessageId = job.MessageId,
            ContentType = JsonContentType,
        };
        if (job.Traceparent is { } traceparent)
        {
            message.ApplicationProperties[TraceparentProperty] = traceparent;
        }

        return message;
    }

    /// <summary>The received message itself is the lock: settling and renewing take it.</summary>
    public static JobMessage ToJobMessage(ServiceBusReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new JobMessage(
            message.MessageId,
            message.DeliveryCount,
            message.Body,
            message.ApplicationProperties.TryGetValue(TraceparentProperty, out var value) ? value as string : null,
            message.EnqueuedTime,
            message.LockedUntil)
        {
            Lock = message,
        };
    }
}
