using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>How the worker consumes the <c>thumbnails</c> queue, bound from "Worker" and validated at start.</summary>
internal sealed class WorkerOptions : IValidatableObject
{
    public const string SectionName = "Worker";

    /// <summary>Jobs rendered at the same time; one per core by default (rendering is CPU-bound).</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>How long a received message stays hidden; renewed at half this interval while the job runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Deliveries a job gets: a failure on the last one, or any later delivery, fails the photo and poisons the message.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>First wait after an empty receive; doubled on each further empty receive up to <see cref="MaxPollInterval"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Longest wait between receives of an empty queue. One second keeps the first photo after a quiet spell within the
    /// "on every wall within a second or two" promise (two replicas halve the wait), for about one request a second each.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gallery.Api, resolved through service discovery (<c>services__gallery-api__http__0</c>).</summary>
    [Required]
    public Uri GalleryBaseAddress { get; set; } = new("http://gallery-api");

    /// <summary>Where originals are downloaded to while rendering; the system temp folder when unset.</summary>
    public string? TempDirectory { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxPollInterval < MinPollInterval)
        {
            yield return new ValidationResult(
                $"Worker:MaxPollInterval ({MaxPollInterval}) must not be shorter than Worker:MinPollInterval ({MinPollInterval}).",
                [nameof(MaxPollInterval), nameof(MinPollInterval)]);
        }
    }
}
