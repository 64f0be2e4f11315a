using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>How the worker consumes the <c>thumbnails</c> queue, bound from "Worker" and validated at start.</summary>
internal sealed class WorkerOptions
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

    /// <summary>How long one receive waits for a job before it asks again; a job that arrives meanwhile ends the wait at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait after a receive failed (the queue unreachable); doubled on each further failure, up to 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan ReceiveRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gallery.Api, resolved through service discovery (<c>services__gallery-api__http__0</c>).</summary>
    [Required]
    public Uri GalleryBaseAddress { get; set; } = new($"http://{ThumbnailWorkerSettings.Gallery}");

    /// <summary>Where originals are downloaded to while rendering; the system temp folder when unset.</summary>
    public string? TempDirectory { get; set; }
}
