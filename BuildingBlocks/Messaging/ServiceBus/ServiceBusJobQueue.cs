using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Messaging;

/// <summary>
/// <see cref="IJobQueue"/> on an Azure Service Bus queue, with one sender and one peek-lock receiver. The queue is made by the
/// deployment, not here: duplicate detection (so a re-sent <see cref="OutgoingJob.MessageId"/> is dropped), its lock duration and its
/// maximum delivery count (after which Service Bus dead-letters by itself) are properties of the queue.
/// </summary>
internal sealed partial class ServiceBusJobQueue : IJobQueue, IJobQueueResource, IAsyncDisposable
{
    /// <summary>The same limit as Storage Queues, so a job that works on one transport works on the other.</summary>
    internal const int MaxBodyBytes = 48 * 1024;

    private const int MaxMessagesPerReceive = 32;
    private const int MaxReasonLength = 1024;

    /// <summary>The receiver needs a positive wait; a caller asking for none gets a short one.</summary>
    private static readonly TimeSpan s_shortestWait = TimeSpan.FromMilliseconds(200);

    private readonly ServiceBusAdministrationClient _administration;
    private readonly ServiceBusSender _sender;
    private readonly ServiceBusReceiver _receiver;
    private readonly ILogger _logger;

    public ServiceBusJobQueue(ServiceBusClient client, ServiceBusAdministrationClient administration, string name, ILogger<ServiceBusJobQueue> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(administration);
        QueueNames.Validate(name, nameof(name));
        Name = name;
        DeadLetterName = name + "/$deadletterqueue";
        _administration = administration;
        _sender = client.CreateSender(name);
        _receiver = client.CreateReceiver(name, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock });
        _logger = logger;
        Description = $"service bus queue '{name}' (namespace {client.FullyQualifiedNamespace})";
    }

    public string Name { get; }

    public string DeadLetterName { get; }

    public string Description { get; }

    public Task SendAsync(OutgoingJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        JobValidation.Validate(job, MaxBodyBytes);
        return _sender.SendMessageAsync(ServiceBusJobMapping.ToServiceBusMessage(job), cancellationToken);
    }

    /// <remarks><paramref name="lockDuration"/> is the queue's own here; the receive returns as soon as a message arrives on the link.</remarks>
    public async Task<IReadOnlyList<JobMessage>> ReceiveAsync(int maxMessages, TimeSpan lockDuration, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxMessages, MaxMessagesPerReceive);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWait, TimeSpan.Zero);

        var messages = await _receiver.ReceiveMessagesAsync(maxMessages, maxWait < s_shortestWait ? s_shortestWait : maxWait, cancellationToken).ConfigureAwait(false);
        return messages.Select(ServiceBusJobMapping.ToJobMessage).ToList();
    }

    /// <remarks>Service Bus renews by the queue's lock duration; <paramref name="lockDuration"/> is not used.</remarks>
    public async Task<JobMessage?> RenewLockAsync(JobMessage message, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        var received = GetReceived(message);
        try
        {
            await _receiver.RenewMessageLockAsync(received, cancellationToken).ConfigureAwait(false);
            return message with { LockedUntil = received.LockedUntil };
        }
        catch (ServiceBusException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "renew", message.MessageId, Name, ex.Reason);
            return null;
        }
    }

    public async Task<bool> CompleteAsync(JobMessage message, CancellationToken cancellationToken = default)
    {
        var received = GetReceived(message);
        try
        {
            await _receiver.CompleteMessageAsync(received, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ServiceBusException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "complete", message.MessageId, Name, ex.Reason);
            return false;
        }
    }

    /// <remarks>
    /// Service Bus has no delayed abandon: an abandoned message is delivered again at once. For a non-zero
    /// <paramref name="retryDelay"/> the message is left alone and its lock lapses, so the retry comes after the queue's lock duration
    /// (the delivery count rises either way). A scheduled re-send would honour the delay but lose the delivery count the queue
    /// dead-letters by.
    /// </remarks>
    public async Task AbandonAsync(JobMessage message, TimeSpan retryDelay, CancellationToken cancellationToken = default)
    {
        var received = GetReceived(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryDelay, TimeSpan.Zero);
        if (retryDelay > TimeSpan.Zero)
        {
            LogLeftToLapse(_logger, message.MessageId, Name, received.LockedUntil);
            return;
        }

        try
        {
            await _receiver.AbandonMessageAsync(received, propertiesToModify: null, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "abandon", message.MessageId, Name, ex.Reason);
        }
    }

    public async Task<bool> DeadLetterAsync(JobMessage message, string reason, CancellationToken cancellationToken = default)
    {
        var received = GetReceived(message);
        ArgumentNullException.ThrowIfNull(reason);
        try
        {
            await _receiver.DeadLetterMessageAsync(received, reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason, deadLetterErrorDescription: null, cancellationToken).ConfigureAwait(false);
            LogDeadLettered(_logger, message.MessageId, Name, DeadLetterName, message.DeliveryCount, reason);
            return true;
        }
        catch (ServiceBusException ex) when (IsLockLost(ex))
        {
            LogLockLost(_logger, "dead-letter", message.MessageId, Name, ex.Reason);
            return false;
        }
    }

    public async Task<QueueCounts> GetApproximateCountsAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await _administration.GetQueueRuntimePropertiesAsync(Name, cancellationToken).ConfigureAwait(false)).Value;
            return new QueueCounts(properties.ActiveMessageCount + properties.ScheduledMessageCount, properties.DeadLetterMessageCount);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or RequestFailedException { Status: 401 or 403 })
        {
            throw new InvalidOperationException(
                $"Reading the message counts of {Description} was refused: it needs a shared access policy with the Manage claim in " +
                "ConnectionStrings:messaging, or, with a token credential, the 'Azure Service Bus Data Owner' role on the namespace.",
                ex);
        }
    }

    /// <summary>The deployment creates the queue with its lock duration, duplicate detection and maximum delivery count.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>A peek needs only the Listen claim the app has anyway, and proves the namespace, the queue and the credential.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken = default) => _receiver.PeekMessageAsync(fromSequenceNumber: null, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync().ConfigureAwait(false);
        await _sender.DisposeAsync().ConfigureAwait(false);
    }

    private static ServiceBusReceivedMessage GetReceived(JobMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Lock as ServiceBusReceivedMessage
            ?? throw new ArgumentException("The message was not received from a Service Bus queue.", nameof(message));
    }

    private static bool IsLockLost(ServiceBusException ex) =>
        ex.Reason is ServiceBusFailureReason.MessageLockLost or ServiceBusFailureReason.MessageNotFound;

    [LoggerMessage(Level = LogLevel.Information, Message = "Could not {Operation} message {MessageId} on queue {Queue}: its lock was lost ({Reason})")]
    private static partial void LogLockLost(ILogger logger, string operation, string messageId, string queue, ServiceBusFailureReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Message {MessageId} on queue {Queue} is left for its lock to lapse at {LockedUntil}: Service Bus cannot delay an abandon")]
    private static partial void LogLeftToLapse(ILogger logger, string messageId, string queue, DateTimeOffset lockedUntil);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved message {MessageId} from queue {Queue} to {DeadLetterQueue} after {DeliveryCount} deliveries: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string messageId, string queue, string deadLetterQueue, long deliveryCount, string reason);
}
