namespace Scrapbook.Messaging;

/// <summary>
/// An at-least-once job queue with peek-lock delivery, implemented on Azure Service Bus (<c>ConnectionStrings:messaging</c>)
/// and on Azure Storage Queues (<c>ConnectionStrings:queues</c>). A received message stays locked (invisible to other
/// receivers) for a while; the receiver renews the lock while it works and settles the message when done: complete,
/// abandon for a later retry, or dead-letter. A message whose lock lapses is delivered again with its delivery count raised.
/// </summary>
public interface IJobQueue
{
    /// <summary>The queue's name, e.g. <c>thumbnails</c>.</summary>
    string Name { get; }

    /// <summary>Where <see cref="DeadLetterAsync"/> puts messages: <c>{Name}-poison</c> or <c>{Name}/$deadletterqueue</c>.</summary>
    string DeadLetterName { get; }

    /// <summary>
    /// Sends one job. <see cref="OutgoingJob.MessageId"/> identifies the job: Service Bus drops a second send of the same id
    /// within its duplicate-detection window, so a relay that sends again after a crash does not make a second job. Storage Queues
    /// have no duplicate detection (a second send is a second message) and keep neither the id nor the trace context: only the body.
    /// Bodies over 48 KiB are refused with an <see cref="ArgumentException"/> before anything is sent.
    /// </summary>
    Task SendAsync(OutgoingJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives up to <paramref name="maxMessages"/> (1–32) messages, each locked for <paramref name="lockDuration"/> (Storage Queues,
    /// rounded up to whole seconds; Service Bus uses the queue's own lock duration). Waits up to <paramref name="maxWait"/> for a message
    /// to arrive and returns as soon as one does; empty when none came. Service Bus waits on its AMQP link; Storage Queues are woken by a
    /// Redis message from the sender when Redis is registered, with a backing-off poll behind it.
    /// </summary>
    Task<IReadOnlyList<JobMessage>> ReceiveAsync(int maxMessages, TimeSpan lockDuration, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends the lock on <paramref name="message"/> by <paramref name="lockDuration"/> from now (Service Bus: by the queue's lock duration).
    /// Returns the message to use from now on (Storage Queues hand out a new receipt, and the old one stops working), or <c>null</c> when
    /// the lock was lost: the message was delivered to someone else, or is gone.
    /// </summary>
    Task<JobMessage?> RenewLockAsync(JobMessage message, TimeSpan lockDuration, CancellationToken cancellationToken = default);

    /// <summary>Removes a handled message. <c>false</c>, not an exception, when the lock was already lost.</summary>
    Task<bool> CompleteAsync(JobMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the message back for another delivery after about <paramref name="retryDelay"/> (zero: at once). Service Bus cannot delay an
    /// abandoned message: a non-zero delay there leaves the lock to lapse, so the retry comes after the queue's lock duration.
    /// </summary>
    Task AbandonAsync(JobMessage message, TimeSpan retryDelay, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the message to <see cref="DeadLetterName"/> with <paramref name="reason"/>. <c>false</c> when the lock was already lost
    /// (Storage Queues send the copy first either way: at least once). Service Bus keeps the reason with the message; a Storage Queues
    /// copy is the body alone, so there the reason is logged.
    /// </summary>
    Task<bool> DeadLetterAsync(JobMessage message, string reason, CancellationToken cancellationToken = default);

    /// <summary>
    /// Approximate counts of messages waiting or in progress, and dead-lettered, as the service reports them. Service Bus needs a
    /// Manage claim (or the Data Owner role) to read them; without it this throws an <see cref="InvalidOperationException"/> saying so.
    /// </summary>
    Task<QueueCounts> GetApproximateCountsAsync(CancellationToken cancellationToken = default);
}

/// <summary>A job to send.</summary>
/// <param name="MessageId">The job's id (Service Bus duplicate detection); at most 128 characters.</param>
/// <param name="Body">The payload, at most 48 KiB.</param>
/// <param name="Traceparent">
/// W3C trace context of the operation that made the job, carried as an application property on Service Bus. Storage Queue messages have
/// no properties and drop it: a job that must be traced on both carries its trace context in its body.
/// </param>
public sealed record OutgoingJob(string MessageId, BinaryData Body, string? Traceparent = null);

/// <summary>Approximate message counts of a queue and of its dead-letter queue.</summary>
/// <param name="Messages">Messages in the queue, including those locked while a consumer works on them.</param>
/// <param name="DeadLettered">Messages in the dead-letter (poison) queue.</param>
public sealed record QueueCounts(long Messages, long DeadLettered);

/// <summary>A received, locked message.</summary>
/// <param name="MessageId">
/// Service Bus: the job's id as sent (<see cref="OutgoingJob.MessageId"/>). Storage Queues: the service's own id for the message,
/// since a storage message keeps only its body.
/// </param>
/// <param name="DeliveryCount">How many times the message has been delivered, including this time.</param>
/// <param name="Body">The payload as sent.</param>
/// <param name="Traceparent">The trace context it was sent with, if any; always <c>null</c> on Storage Queues (see <see cref="OutgoingJob.Traceparent"/>).</param>
/// <param name="EnqueuedAt">When it was sent.</param>
/// <param name="LockedUntil">When the lock lapses unless renewed.</param>
public sealed record JobMessage(
    string MessageId,
    long DeliveryCount,
    BinaryData Body,
    string? Traceparent,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset LockedUntil)
{
    /// <summary>What the implementation needs to settle or renew the message (a pop receipt, or the Service Bus message).</summary>
    internal object? Lock { get; init; }
}
