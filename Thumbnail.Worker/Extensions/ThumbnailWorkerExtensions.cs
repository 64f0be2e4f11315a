using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;
using Scrapbook.Thumbnail.Worker.Classification;
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

        builder.AddPhotoClassifier();

        builder.Services.AddSingleton<WorkerMetrics>();
        builder.Services.AddSingleton<ModerationStep>();
        builder.Services.AddSingleton<RenditionPipeline>();
        builder.Services.AddSingleton<JobHandler>();
        return builder;
    }

    /// <summary>
    /// The automatic moderation step: the HTTP classifier when <c>Classifier:Endpoint</c> is set, else a stand-in that
    /// answers the failure verdict.
    /// </summary>
    public static IHostApplicationBuilder AddPhotoClassifier(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ClassifierOptions>()
            .BindConfiguration(ClassifierOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // RemoveAllResilienceHandlers is marked experimental but is the supported opt-out of ConfigureHttpClientDefaults.
#pragma warning disable EXTEXP0001
        builder.Services.AddHttpClient<HttpPhotoClassifier>((services, http) =>
            {
                var options = services.GetRequiredService<IOptions<ClassifierOptions>>().Value;
                // A trailing slash, so that "classify" resolves under an endpoint that has a path of its own.
                http.BaseAddress = options.Endpoint is { } endpoint ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/") : null;
                http.Timeout = Timeout.InfiniteTimeSpan; // Classifier:Timeout bounds each call
                http.MaxResponseContentBufferSize = HttpPhotoClassifier.MaxAnswerBytes;
            })
            // One attempt within Classifier:Timeout, and the failure verdict after it: no retries, no circuit breaker.
            .RemoveAllResilienceHandlers()
            // The typed client lives in a singleton: connections are recycled instead of handlers (DNS changes still seen).
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(2))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton<IPhotoClassifier>(services =>
            services.GetRequiredService<IOptions<ClassifierOptions>>().Value.Endpoint is null
                ? ActivatorUtilities.CreateInstance<UnconfiguredPhotoClassifier>(services)
                : services.GetRequiredService<HttpPhotoClassifier>());
        return builder;
    }
}
