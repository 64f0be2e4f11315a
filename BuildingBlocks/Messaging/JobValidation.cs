namespace Scrapbook.Messaging;

internal static class JobValidation
{
    /// <summary>Service Bus keeps message ids of up to 128 characters.</summary>
    public const int MaxMessageIdLength = 128;

    public static void Validate(OutgoingJob job, int maxBodyBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(job.MessageId, nameof(job));
        if (job.MessageId.Length > MaxMessageIdLength)
        {
            throw new ArgumentException($"A job's message id is limited to {MaxMessageIdLength} characters; '{job.MessageId}' has {job.MessageId.Length}.", nameof(job));
        }

        ArgumentNullException.ThrowIfNull(job.Body, nameof(job));
        var length = job.Body.ToMemory().Length;
        if (length > maxBodyBytes)
        {
            throw new ArgumentException(
                $"A job's body is limited to {maxBodyBytes} bytes; job '{job.MessageId}' has {length}. Put large payloads in the blob store and send their key.",
                nameof(job));
        }
    }
}
