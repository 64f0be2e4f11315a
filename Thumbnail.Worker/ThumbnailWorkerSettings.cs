using Scrapbook.Imaging;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults.Configuration;
using Scrapbook.Thumbnail.Worker.Classification;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>Every setting Thumbnail.Worker reads (see <see cref="ServiceSettings"/>).</summary>
internal static class ThumbnailWorkerSettings
{
    public const string Blobs = "blobs";
    public const string Gallery = "gallery-api";

    /// <summary>Only the Storage Queues transport uses it, to wake a waiting receive; Service Bus needs none.</summary>
    public const string WakeUpRedis = "redis";

    /// <summary>The classifier of moderation <c>auto</c> (docs/classifier.md), found by service discovery when the AppHost runs it.</summary>
    public const string Classifier = "classifier";

    public static ServiceSettings Declared { get; } = new("thumbnail-worker")
    {
        Required =
        [
            ServiceSettings.ConnectionString(Blobs),
            new(ServiceSettings.ConnectionString(JobQueueHostingExtensions.MessagingConnectionName), ServiceSettings.ConnectionString(JobQueueHostingExtensions.QueuesConnectionName)),
            ServiceSettings.ServiceReference(Gallery),
        ],
        Optional =
        [
            ServiceSettings.ConnectionString(WakeUpRedis), WorkerOptions.SectionName, ImagingOptions.SectionName, JobQueueOptions.SectionName,
            ClassifierOptions.SectionName, ServiceSettings.ServiceReference(Classifier),
        ],
    };
}
