using Scrapbook.Messaging;

namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>
/// Keeps a received message locked while its job runs by renewing the lock at half the lock duration. When a renewal
/// finds the lock lost, the message has been delivered again and another receiver owns it: the lease is lost and
/// <see cref="Token"/> is cancelled so the job stops quietly.
/// </summary>
internal sealed partial class MessageLease : IAsyncDisposable
{
    private readonly IJobQueue _queue;
    private readonly TimeSpan _visibility;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _jobCancellation;
    private readonly CancellationTokenSource _stopRenewal = new();
    private readonly CancellationToken _callerToken;
    private readonly Task _renewal;
    private JobMessage? _message;

    private MessageLease(IJobQueue queue, JobMessage message, TimeSpan visibility, ILogger logger, CancellationToken cancellationToken)
    {
        _queue = queue;
        _message = message;
        MessageId = message.MessageId;
        _visibility = visibility;
        _logger = logger;
        _callerToken = cancellationToken;
        _jobCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _renewal = RenewAsync();
    }

    public string MessageId { get; }

    /// <summary>Cancelled when the lease is lost or the caller's token is cancelled.</summary>
    public CancellationToken Token => _jobCancellation.Token;

    /// <summary>True once an extension found the receipt stale.</summary>
    public bool IsLost { get; private set; }

    /// <summary>Starts renewing <paramref name="message"/>, which was just received with <paramref name="visibility"/>.</summary>
    public static MessageLease Start(IJobQueue queue, JobMessage message, TimeSpan visibility, ILogger logger, CancellationToken cancellationToken = default) =>
        new(queue, message, visibility, logger, cancellationToken);

    /// <summary>
    /// Stops renewing (waiting for a renewal in flight, so its new receipt is not lost) and returns the message
    /// with its latest lock, or null when the lease was lost.
    /// </summary>
    public async Task<JobMessage?> StopAsync()
    {
        await _stopRenewal.CancelAsync();
        await _renewal;
        return _message;
    }

    /// <summary>Stops renewing and gives the message back for another delivery after about <paramref name="delay"/> (zero: at once).</summary>
    public async Task ReleaseAsync(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        if (await StopAsync() is { } message)
        {
            await _queue.AbandonAsync(message, delay, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stopRenewal.Dispose();
        _jobCancellation.Dispose();
    }

    private async Task RenewAsync()
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(_visibility / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopRenewal.Token))
            {
                var message = _message!;
                try
                {
                    // Not cancelled by StopAsync: a renewal the service applied must not lose its new receipt.
                    var renewed = await _queue.RenewLockAsync(message, _visibility, _callerToken);
                    if (renewed is null)
                    {
                        LogLost(_logger, message.MessageId);
                        _message = null;
                        IsLost = true;
                        await _jobCancellation.CancelAsync();
                        return;
                    }

                    _message = renewed;
                }
                catch (Exception ex) when (!_callerToken.IsCancellationRequested)
                {
                    // A queue hiccup: the message stays locked for a while yet; try again at the next tick.
                    LogExtendFailed(_logger, ex, message.MessageId);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped, or the caller gave up on the job.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Message {MessageId} was delivered again and another receiver holds it; stopping this attempt")]
    private static partial void LogLost(ILogger logger, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lock on message {MessageId}; retrying at the next renewal")]
    private static partial void LogExtendFailed(ILogger logger, Exception exception, string messageId);
}
