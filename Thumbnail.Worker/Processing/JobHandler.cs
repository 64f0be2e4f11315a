using System.Text.Json;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults;
using Scrapbook.Messaging;
using Scrapbook.Thumbnail.Worker.Gallery;

namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>
/// Handles one delivery of a thumbnail job, end to end: render under a renewed lease, report to Gallery.Api, and
/// only then delete the message. Never throws for a job's own failure; the outcome says what happened.
/// </summary>
/// <remarks>
/// Failures: an <see cref="ImageRejectedException"/> (the original cannot be decoded, or breaks a limit) is
/// permanent, so the photo fails at once. The reason stored on the photo is written for its owner
/// (<see cref="FailureReasons"/>); the exception itself is logged. Anything else is retried: the message
/// reappears after a backoff, and a failure on delivery <see cref="WorkerOptions.MaxDeliveries"/> fails the photo with that error. A delivery past
/// the limit (the last attempt crashed, or its failure report did not get through) fails it without another try.
/// The photo is reported failed before the message moves to the poison queue, so a Gallery.Api outage never
/// leaves a poisoned job with a photo stuck in <c>processing</c>.
/// </remarks>
internal sealed partial class JobHandler(
    IJobQueue queue,
    RenditionPipeline pipeline,
    GalleryClient gallery,
    ServiceTelemetry telemetry,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    ILogger<JobHandler> logger)
{
    /// <summary>How long the bookkeeping after a job (delete, release, poison) may take once the job itself is cancelled.</summary>
    private static readonly TimeSpan s_cleanupTimeout = TimeSpan.FromSeconds(5);

    /// <param name="cancellationToken">Cancelled when the worker must stop at once; the message is then released.</param>
    public async Task<JobOutcome> HandleAsync(JobMessage message, CancellationToken cancellationToken = default)
    {
        var job = TryParse(message.Body);
        using var activity = JobTrace.Start(telemetry.ActivitySource, queue.Name, message, job);
        JobOutcome outcome;
        try
        {
            outcome = await HandleCoreAsync(message, job, cancellationToken);
        }
        catch (Exception ex)
        {
            // Bookkeeping failed (storage unreachable while poisoning or deleting): the message is delivered again when
            // its lock lapses, and the receive loop must go on.
            LogUnexpected(logger, ex, message.MessageId);
            outcome = JobOutcome.Retried;
        }

        activity?.SetTag("scrapbook.job.outcome", outcome.ToString());
        metrics.JobProcessed(outcome);
        return outcome;
    }

    private async Task<JobOutcome> HandleCoreAsync(JobMessage message, ThumbnailJob? job, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (job is null)
        {
            LogMalformed(logger, message.MessageId, queue.DeadLetterName);
            using var timeout = new CancellationTokenSource(s_cleanupTimeout);
            await queue.DeadLetterAsync(message, "The message is not a thumbnail job.", timeout.Token);
            metrics.JobFailed("malformed");
            return JobOutcome.Failed;
        }

        await using var lease = MessageLease.Start(queue, message, settings.VisibilityTimeout, logger, cancellationToken);
        if (message.DeliveryCount > settings.MaxDeliveries)
        {
            LogGaveUp(logger, job.PhotoId, message.DeliveryCount, settings.MaxDeliveries);
            return await FailAsync(lease, job, FailureReasons.Exhausted(null, settings.MaxDeliveries), "exhausted", cancellationToken);
        }

        try
        {
            LogStarted(logger, job.PhotoId, message.DeliveryCount, message.MessageId);
            var request = await pipeline.RunAsync(job, lease.Token);
            var acknowledged = await gallery.CompleteRenditionsAsync(job.PhotoId, request, lease.Token);
            if (await lease.StopAsync() is not { } current)
            {
                // Another worker holds the message now and will report the same renditions again (idempotent).
                return JobOutcome.LeaseLost;
            }

            using var timeout = new CancellationTokenSource(s_cleanupTimeout);
            await queue.CompleteAsync(current, timeout.Token);
            if (!acknowledged)
            {
                LogPhotoGone(logger, job.PhotoId);
                return JobOutcome.PhotoGone;
            }

            LogCompleted(logger, job.PhotoId, message.DeliveryCount);
            return JobOutcome.Completed;
        }
        catch (OperationCanceledException) when (lease.IsLost)
        {
            return JobOutcome.LeaseLost;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogReleased(logger, job.PhotoId, message.MessageId);
            await ReleaseAsync(lease, TimeSpan.Zero);
            return JobOutcome.Released;
        }
        catch (ImageRejectedException ex)
        {
            LogRejected(logger, ex, job.PhotoId);
            return await FailAsync(lease, job, FailureReasons.Rejected(ex), "rejected", cancellationToken);
        }
        catch (Exception ex) when (message.DeliveryCount >= settings.MaxDeliveries)
        {
            LogAttemptFailed(logger, ex, job.PhotoId, message.DeliveryCount, settings.MaxDeliveries);
            return await FailAsync(lease, job, FailureReasons.Exhausted(ex, settings.MaxDeliveries), "exhausted", cancellationToken);
        }
        catch (Exception ex)
        {
            LogAttemptFailed(logger, ex, job.PhotoId, message.DeliveryCount, settings.MaxDeliveries);
            await ReleaseAsync(lease, RetryDelay(message.DeliveryCount, settings.VisibilityTimeout));
            return JobOutcome.Retried;
        }
    }

    /// <summary>1 s, 2 s, 4 s … after failed deliveries, never longer than the visibility timeout a crash would cost.</summary>
    internal static TimeSpan RetryDelay(long deliveryCount, TimeSpan visibilityTimeout) =>
        TimeSpan.FromSeconds(Math.Min(visibilityTimeout.TotalSeconds, Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 16))));

    private async Task<JobOutcome> FailAsync(MessageLease lease, ThumbnailJob job, string reason, string kind, CancellationToken cancellationToken)
    {
        try
        {
            // Still under the lease: reporting may take a while when Gallery.Api is slow.
            await gallery.ReportFailedAsync(job.PhotoId, reason, lease.Token);
            if (await lease.StopAsync() is not { } current)
            {
                return JobOutcome.LeaseLost;
            }

            using var timeout = new CancellationTokenSource(s_cleanupTimeout);
            await queue.DeadLetterAsync(current, reason, timeout.Token);
            metrics.JobFailed(kind);
            LogFailed(logger, job.PhotoId, queue.DeadLetterName, reason);
            return JobOutcome.Failed;
        }
        catch (OperationCanceledException) when (!lease.IsLost && cancellationToken.IsCancellationRequested)
        {
            LogReleased(logger, job.PhotoId, lease.MessageId);
            await ReleaseAsync(lease, TimeSpan.Zero);
            return JobOutcome.Released;
        }
        catch (Exception ex) when (!lease.IsLost)
        {
            // The message reappears after its visibility timeout; that delivery (past the limit) tries again.
            LogFailReportFailed(logger, ex, job.PhotoId);
            await lease.StopAsync();
            return JobOutcome.Retried;
        }
        catch (OperationCanceledException)
        {
            return JobOutcome.LeaseLost;
        }
    }

    private async Task ReleaseAsync(MessageLease lease, TimeSpan delay)
    {
        try
        {
            using var timeout = new CancellationTokenSource(s_cleanupTimeout);
            await lease.ReleaseAsync(delay, timeout.Token);
        }
        catch (Exception ex)
        {
            // It reappears after its visibility timeout anyway.
            LogReleaseFailed(logger, ex);
        }
    }

    private static ThumbnailJob? TryParse(BinaryData body)
    {
        try
        {
            var job = JsonSerializer.Deserialize(body.ToMemory().Span, ContractsJsonContext.Default.ThumbnailJob);
            return job is { Sha256.Length: 64, OriginalKey.Length: > 0 } && job.PhotoId != Guid.Empty && job.Sha256.All(char.IsAsciiHexDigitLower)
                ? job
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId}: delivery {DeliveryCount} of message {MessageId} started")]
    private static partial void LogStarted(ILogger logger, Guid photoId, long deliveryCount, string messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId} is ready (delivery {DeliveryCount})")]
    private static partial void LogCompleted(ILogger logger, Guid photoId, long deliveryCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Photo {PhotoId} no longer exists in Gallery.Api; dropped its job")]
    private static partial void LogPhotoGone(ILogger logger, Guid photoId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: released the job of photo {PhotoId} (message {MessageId}) for redelivery")]
    private static partial void LogReleased(ILogger logger, Guid photoId, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Photo {PhotoId}: the original was rejected; failing the photo without retrying")]
    private static partial void LogRejected(ILogger logger, Exception exception, Guid photoId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Photo {PhotoId}: delivery {DeliveryCount} of {MaxDeliveries} failed")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, Guid photoId, long deliveryCount, int maxDeliveries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Photo {PhotoId}: delivery {DeliveryCount} is past the limit of {MaxDeliveries}; failing the photo without another try")]
    private static partial void LogGaveUp(ILogger logger, Guid photoId, long deliveryCount, int maxDeliveries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Photo {PhotoId} failed; its job moved to {DeadLetterQueue}: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid photoId, string deadLetterQueue, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Photo {PhotoId}: could not report the failure to Gallery.Api; the job will come back")]
    private static partial void LogFailReportFailed(ILogger logger, Exception exception, Guid photoId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} is not a thumbnail job; moved to {DeadLetterQueue}")]
    private static partial void LogMalformed(ILogger logger, string messageId, string deadLetterQueue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling message {MessageId} failed; it is delivered again when its lock lapses")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release a message for redelivery; it is delivered again when its lock lapses")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception);
}
