using Scrapbook.Imaging;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults.Configuration;

namespace Scrapbook.Thumbnail.Worker;

/// <summary>Every setting Thumbnail.Worker reads (see <see cref="ServiceSettings"/>).</summary>
internal static class ThumbnailWorkerSettings
{
    public const string Blobs = "blobs";
    public const string Gallery = "gallery-api";

    /// <summary>Only the Storage Queues transport uses it, to wake a waiting receive; Service Bus needs none.</summary>
    public const string WakeUpRedis = "redis";

    public static ServiceSettings Declared { get; } = new("thumbnail-worker")
    {
        Required =
        [
            ServiceSettings.ConnectionString(Blobs),
            new(ServiceSettings.ConnectionString(JobQueueHostingExtensions.MessagingConnectionName), ServiceSettings.ConnectionString(JobQueueHostingExtensions.QueuesConnectionName)),
            ServiceSettings.ServiceReference(Gallery),
        ],
        Optional = [ServiceSettings.ConnectionString(WakeUpRedis), WorkerOptions.SectionName, ImagingOptions.SectionName, JobQueueOptions.SectionName],
    };
}
