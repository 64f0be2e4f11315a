using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Messaging;

/// <summary>
/// Tuning of the Storage Queues receive loop, bound from the <c>JobQueue</c> configuration section. The Redis nudge wakes a waiting
/// receive as soon as a job is sent; the poll only backs it up (Redis down, a nudge lost), so its ceiling bounds the delay then.
/// Service Bus ignores these: its receive waits on the AMQP link.
/// </summary>
public sealed class JobQueueOptions : IValidatableObject
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "JobQueue";

    /// <summary>The first pause between two looks at an empty queue; it doubles after each empty look.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest pause between two looks at an empty queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPollInterval < MinPollInterval)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(MaxPollInterval)} ({MaxPollInterval}) must not be shorter than {nameof(MinPollInterval)} ({MinPollInterval}).",
                [nameof(MaxPollInterval), nameof(MinPollInterval)]);
        }
    }
}
