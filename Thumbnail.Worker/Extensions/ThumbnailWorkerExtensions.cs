using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;
using Scrapbook.Thumbnail.Worker.Gallery;
using Scrapbook.Thumbnail.Worker.Processing;

namespace Scrapbook.Thumbnail.Worker;

internal static class ThumbnailWorkerExtensions
{
    /// <summary>The job pipeline and the background loop that feeds it from the <c>thumbnails</c> queue.</summary>
    public static IHostApplicationBuilder AddThumbnailWorker(this IHostApplicationBuilder builder)
    {
        builder.AddThumbnailPipeline();
        builder.Services.AddHostedService<ThumbnailWorker>();
        return builder;
    }

    /// <summary>Everything one job needs (storage, imaging, Gallery.Api client, handler), without the loop.</summary>
    public static IHostApplicationBuilder AddThumbnailPipeline(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddBlobStore(ThumbnailWorkerSettings.Blobs);
        // Before the job queue: on Storage Queues, the sender's nudge through this Redis wakes the waiting receive. Without
        // Redis (a Service Bus deployment needs none) the receive falls back to the queue's own backing-off poll.
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ThumbnailWorkerSettings.WakeUpRedis)))
        {
            builder.AddWakeUpRedisClient(ThumbnailWorkerSettings.WakeUpRedis);
        }
        builder.AddJobQueue(Channels.ThumbnailQueue);
        builder.AddImaging();

        builder.Services.AddHttpClient(GalleryClient.HttpClientName, (services, http) =>
            http.BaseAddress = services.GetRequiredService<IOptions<WorkerOptions>>().Value.GalleryBaseAddress);
        builder.Services.AddSingleton<GalleryClient>();

        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<RenditionPipeline>();
        builder.Services.AddSingleton<JobHandler>();
        return builder;
    }
}
