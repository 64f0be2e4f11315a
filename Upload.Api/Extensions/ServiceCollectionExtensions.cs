using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Scrapbook.Contracts;
using Scrapbook.Imaging;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;
using Scrapbook.Upload.Api.Apis;
using Scrapbook.Upload.Api.DirectUploads;
using Scrapbook.Upload.Api.Gallery;
using Scrapbook.Upload.Api.Uploads;
using Scrapbook.Upload.Api.UrlFetch;

namespace Scrapbook.Upload.Api.Extensions;

internal static class ServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddWakeUpRedisClient(UploadApiSettings.Redis);
        builder.AddScrapbookAuthentication();
        builder.AddShareLinkAuthentication(GalleryClient.BaseAddress);
        builder.AddRemoteOwnerResolution(UploadApiSettings.Gallery);
        builder.AddScrapbookOpenApi("Scrapbook Upload API");
        builder.AddImaging();
        builder.AddBlobStore(UploadApiSettings.Blobs);
        builder.AddBlobStore(UploadApiSettings.Blobs, UploadApiSettings.StagingContainer);

        builder.Services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<DirectUploadOptions>()
            .BindConfiguration(DirectUploadOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<UrlFetchOptions>()
            .BindConfiguration(UrlFetchOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddHttpClient<GalleryClient>(http => http.BaseAddress = new Uri(GalleryClient.BaseAddress));
        // The settings check sits in front of every upload: a Gallery.Api that is down should become a quick 503,
        // not the default 2 s, 4 s, 8 s of back-off. POSTs are never retried (ServiceDefaults). Gallery.Api is the
        // only service this one calls through IHttpClientFactory (registrations, and the share-link scheme's lookups; the
        // URL fetcher has its own client), hence "All".
        builder.Services.PostConfigureAll<HttpStandardResilienceOptions>(options =>
        {
            options.Retry.MaxRetryAttempts = 2;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        });

        builder.Services.AddHostedService<TempFileSweeper>();
        builder.Services.AddHostedService<StagingSweeper>();
        builder.Services.AddSingleton<StagingArea>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<UrlFetcher>();
        builder.Services.AddScoped<PhotoIntake>();

        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, UploadJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, ContractsJsonContext.Default);
        });
        return builder;
    }
}
