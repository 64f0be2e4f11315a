namespace Scrapbook.Storage;

/// <summary>
/// An at-least-once job queue with visibility timeouts (Azure Storage Queue semantics): a received
/// message stays invisible for the timeout, then reappears with its dequeue count incremented unless
/// it was deleted with the pop receipt of the latest receive or visibility extension.
/// </summary>
public interface IJobQueue
{
    /// <summary>The queue's name.</summary>
    string Name { get; }

    /// <summary>The queue that <see cref="MoveToPoisonAsync"/> moves messages to: <c>{Name}-poison</c>.</summary>
    string PoisonQueueName { get; }

    /// <summary>Sends a message (at most 48 KiB of body), optionally invisible for <paramref name="initialVisibilityDelay"/>.</summary>
    Task<string> SendAsync(BinaryData body, TimeSpan? initialVisibilityDelay = null, CancellationToken cancellationToken = default);

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages, each hidden for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<JobMessage>> ReceiveAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Hides <paramref name="message"/> for another <paramref name="visibilityTimeout"/> from now. Returns the message
    /// with its new pop receipt, or <c>null</c> when the receipt is stale (the message reappeared and someone else holds it, or it is gone).
    /// </summary>
    Task<JobMessage?> ExtendVisibilityAsync(JobMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes <paramref name="message"/>. Returns <c>false</c> — not an exception — when its pop receipt is stale
    /// or the message no longer exists.
    /// </summary>
    Task<bool> DeleteAsync(JobMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a copy of <paramref name="message"/> to <see cref="PoisonQueueName"/>, then deletes it here.
    /// Returns the outcome of the delete (the copy is sent either way: at-least-once).
    /// </summary>
    Task<bool> MoveToPoisonAsync(JobMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// The service's approximate message counts of this queue (visible and hidden alike) and of <see cref="PoisonQueueName"/>,
    /// as Get Queue Metadata reports them: not lower than the real count, and possibly briefly higher.
    /// </summary>
    Task<QueueCounts> GetApproximateCountsAsync(CancellationToken cancellationToken = default);
}

/// <summary>Approximate message counts of a queue and of its poison queue.</summary>
/// <param name="Messages">Messages in the queue, including those hidden while a consumer works on them.</param>
/// <param name="Poisoned">Messages in the poison queue.</param>
public sealed record QueueCounts(long Messages, long Poisoned);

/// <summary>A received queue message.</summary>
/// <param name="MessageId">The service's id for the message.</param>
/// <param name="PopReceipt">Proof of the latest receive/extension; needed to delete or extend.</param>
/// <param name="DequeueCount">How many times the message has been received, including this time.</param>
/// <param name="Body">The message body as sent.</param>
/// <param name="InsertedOn">When the message was sent.</param>
/// <param name="NextVisibleOn">When it reappears unless deleted or extended.</param>
public sealed record JobMessage(
    string MessageId,
    string PopReceipt,
    long DequeueCount,
    BinaryData Body,
    DateTimeOffset InsertedOn,
    DateTimeOffset NextVisibleOn);
