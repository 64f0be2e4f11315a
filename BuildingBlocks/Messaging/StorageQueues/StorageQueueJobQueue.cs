using System.Diagnostics;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scrapbook.Messaging;

/// <summary>
/// <see cref="IJobQueue"/> on Azure Storage Queues. The lock is the message's invisibility: a receive hides it for the lock duration
/// and hands out a pop receipt, which renewing replaces. Dead-lettered messages go to <c>{name}-poison</c>. A storage message keeps only
/// its body (base64, as every Azure SDK writes it), so <see cref="JobMessage.MessageId"/> is the service's id and there is no
/// traceparent. The service has no long poll: <see cref="ReceiveAsync"/> waits for a Redis nudge from the sender, polling as a backup.
/// </summary>
internal sealed partial class StorageQueueJobQueue : IJobQueue, IJobQueueResource, IAsyncDisposable
{
    /// <summary>A message's text is limited to 64 KiB; base64 makes that 48 KiB of body.</summary>
    internal const int MaxBodyBytes = 48 * 1024;

    private const string PoisonSuffix = "-poison";
    private const int MaxMessagesPerReceive = 32;

    private static readonly TimeSpan s_maxVisibility = TimeSpan.FromDays(7);

    // Jobs wait until handled: the service's default time to live (7 days) would drop them silently.
    private static readonly TimeSpan s_neverExpires = TimeSpan.FromSeconds(-1);

    private readonly QueueClient _queue;
    private readonly QueueClient _poison;
    private readonly QueueNudge _nudge;
    private readonly JobQueueOptions _options;
    private readonly ILogger _logger;
    private int _waitingReceivers;

    /// <param name="service">A client made with <see cref="QueueMessageEncoding.Base64"/>: the queues already hold base64 messages.</param>
    /// <param name="redis">Where senders nudge waiting receivers; <c>null</c> leaves receivers to poll.</param>
    public StorageQueueJobQueue(QueueServiceClient service, string name, IConnectionMultiplexer? redis, JobQueueOptions options, ILogger<StorageQueueJobQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        QueueNames.Validate(name, nameof(name));
        if (name.Length + PoisonSuffix.Length > QueueNames.MaxLength)
        {
            throw new ArgumentException(
                $"Storage queue name '{name}' is too long: its dead-letter queue '{name}{PoisonSuffix}' must fit in {QueueNames.MaxLength} characters.",
                nameof(name));
        }

        Name = name;
        DeadLetterName = name + PoisonSuffix;
        _queue = service.GetQueueClient(Name);
        _poison = service.GetQueueClient(DeadLetterName);
        _nudge = new QueueNudge(redis, name, logger);
        _options = options;
        _logger = logger;
    }

    public string Name { get; }

    public string DeadLetterName { get; }

    public string Description => $"storage queue '{Name}' (account {_queue.AccountName})";

    /// <summary>How many receives are waiting on an empty queue right now (tests wait for this before they send).</summary>
    internal int WaitingReceivers => Volatile.Read(ref _waitingReceivers);

    /// <summary>For tests that need to know a nudge has landed.</summary>
    internal QueueNudge Nudge => _nudge;

    public async Task SendAsync(OutgoingJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        JobValidation.Validate(job, MaxBodyBytes);

        await _queue.SendMessageAsync(job.Body, visibilityTimeout: null, timeToLive: s_neverExpires, cancellationToken).ConfigureAwait(false);
        _nudge.Publish();
    }

    public async Task<IReadOnlyList<JobMessage>> ReceiveAsync(int maxMessages, TimeSpan lockDuration, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerReceive);
        var visibility = ToVisibility(lockDuration, TimeSpan.FromSeconds(1), nameof(lockDuration));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);

        var started = Stopwatch.GetTimestamp();
        if (maxWait > TimeSpan.Zero)
        {
            await _nudge.EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
        }

        var pause = _options.MinPollInterval;
        while (true)
        {
            // Taken before the look, so a job sent while the look is under way still ends the wait below at once.
            var nudged = _nudge.Next;
            var response = await _queue.ReceiveMessagesAsync(maxMessages, visibility, cancellationToken).ConfigureAwait(false);
            if (response.Value is { Length: > 0 } messages)
            {
                return Array.ConvertAll(messages, ToJobMessage);
            }

            var remaining = maxWait - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            Interlocked.Increment(ref _waitingReceivers);
            try
            {
                // Ends at a nudge, at the pause, or at cancellation; none of them is an error here.
                await nudged.WaitAsync(Min(pause, remaining), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            finally
            {
                Interlocked.Decrement(ref _waitingReceivers);
            }

            cancellationToken.ThrowIfCancellationRequested();
            pause = Min(pause * 2, _options.MaxPollInterval);
        }
    }

    public async Task<JobMessage?> RenewLockAsync(JobMessage message, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        var receipt = GetPopReceipt(message);
        var visibility = ToVisibility(lockDuration, TimeSpan.FromSeconds(1), nameof(lockDuration));
        try
        {
            var response = await _queue.UpdateMessageAsync(message.MessageId, receipt, messageText: null, visibility, cancellationToken).ConfigureAwait(false);
            return message with { LockedUntil = response.Value.NextVisibleOn, Lock = response.Value.PopReceipt };
        }
        catch (RequestFailedException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "renew", message.MessageId, Name, ex.ErrorCode);
            return null;
        }
    }

    public async Task<bool> CompleteAsync(JobMessage message, CancellationToken cancellationToken = default)
    {
        var receipt = GetPopReceipt(message);
        try
        {
            await _queue.DeleteMessageAsync(message.MessageId, receipt, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "complete", message.MessageId, Name, ex.ErrorCode);
            return false;
        }
    }

    public async Task AbandonAsync(JobMessage message, TimeSpan retryDelay, CancellationToken cancellationToken = default)
    {
        var receipt = GetPopReceipt(message);
        var visibility = ToVisibility(retryDelay, TimeSpan.Zero, nameof(retryDelay));
        try
        {
            await _queue.UpdateMessageAsync(message.MessageId, receipt, messageText: null, visibility, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (IsLockLost(ex))
        {
            // Someone else has it now, or it is gone: either way it is no longer ours to give back.
            LogLockLost(_logger, "abandon", message.MessageId, Name, ex.ErrorCode);
        }
    }

    public async Task<bool> DeadLetterAsync(JobMessage message, string reason, CancellationToken cancellationToken = default)
    {
        _ = GetPopReceipt(message); // refuses a message from another transport before anything is sent
        ArgumentNullException.ThrowIfNull(reason);

        // Copy first, then delete: a crash in between leaves the job in both queues, never in neither. The copy has no room for the
        // reason (a storage message is its body alone), so the reason goes to the log.
        await _poison.SendMessageAsync(message.Body, visibilityTimeout: null, timeToLive: s_neverExpires, cancellationToken).ConfigureAwait(false);
        LogDeadLettered(_logger, message.MessageId, Name, DeadLetterName, message.DeliveryCount, reason);
        return await CompleteAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<QueueCounts> GetApproximateCountsAsync(CancellationToken cancellationToken = default)
    {
        var queue = _queue.GetPropertiesAsync(cancellationToken);
        var poison = _poison.GetPropertiesAsync(cancellationToken);
        await Task.WhenAll(queue, poison).ConfigureAwait(false);
        return new QueueCounts((await queue.ConfigureAwait(false)).Value.ApproximateMessagesCountLong, (await poison.ConfigureAwait(false)).Value.ApproximateMessagesCountLong);
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        foreach (var queue in new[] { _queue, _poison })
        {
            if (await queue.CreateIfNotExistsAsync(metadata: null, cancellationToken).ConfigureAwait(false) is not null)
            {
                LogQueueCreated(_logger, queue.Name, queue.AccountName);
            }
        }
    }

    public Task ProbeAsync(CancellationToken cancellationToken = default) => _queue.GetPropertiesAsync(cancellationToken);

    public ValueTask DisposeAsync() => _nudge.DisposeAsync();

    private static JobMessage ToJobMessage(QueueMessage message) => new(
        message.MessageId,
        message.DequeueCount,
        message.Body,
        Traceparent: null,
        message.InsertedOn ?? DateTimeOffset.UtcNow,
        message.NextVisibleOn ?? DateTimeOffset.UtcNow)
    {
        Lock = message.PopReceipt,
    };

    private static string GetPopReceipt(JobMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Lock as string
            ?? throw new ArgumentException("The message was not received from a Storage queue: it carries no pop receipt.", nameof(message));
    }

    // 404: the message is gone, or the receipt no longer matches because it was received again. 400 PopReceiptMismatch: the receipt
    // does not belong to the message. A missing queue is a 404 too, but it is a real error, not a lost lock.
    private static bool IsLockLost(RequestFailedException ex) =>
        (ex.Status == 404 && ex.ErrorCode != QueueErrorCode.QueueNotFound.ToString())
        || (ex.Status == 400 && ex.ErrorCode == QueueErrorCode.PopReceiptMismatch.ToString());

    // The service counts visibility in whole seconds; round up so a lock is never shorter than asked for.
    private static TimeSpan ToVisibility(TimeSpan value, TimeSpan minimum, string parameterName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, minimum, parameterName);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, s_maxVisibility, parameterName);
        return TimeSpan.FromSeconds(Math.Ceiling(value.TotalSeconds));
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created storage queue {Queue} in account {Account}")]
    private static partial void LogQueueCreated(ILogger logger, string queue, string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not {Operation} message {MessageId} on queue {Queue}: its lock was lost ({ErrorCode})")]
    private static partial void LogLockLost(ILogger logger, string operation, string messageId, string queue, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved message {MessageId} from queue {Queue} to {DeadLetterQueue} after {DeliveryCount} deliveries: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string queue, string deadLetterQueue, long deliveryCount, string reason);
}
