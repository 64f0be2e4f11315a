using System.Diagnostics;
using Scrapbook.Contracts;
using Scrapbook.ServiceDefaults;
using Scrapbook.Messaging;

namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>The job's span: a consumer span continuing the upload's trace from the message's W3C trace context.</summary>
internal static class JobTrace
{
    public static Activity? Start(ActivitySource source, string queueName, JobMessage message, ThumbnailJob? job)
    {
        // Service Bus carries the trace context beside the body; Storage Queues only inside it, in the job.
        var activity = source.StartContinuing($"process {queueName}", ActivityKind.Consumer, message.Traceparent ?? job?.Traceparent, job?.Tracestate);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", queueName);
            activity.SetTag("messaging.message.id", message.MessageId);
            activity.SetTag("messaging.message.delivery_count", message.DeliveryCount);
            if (job is not null)
            {
                activity.SetTag("scrapbook.photo.id", job.PhotoId.ToString("D"));
                activity.SetTag("scrapbook.photo.sha256", job.Sha256);
            }
        }

        return activity;
    }
}
