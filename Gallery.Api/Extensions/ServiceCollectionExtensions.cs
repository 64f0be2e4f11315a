using Scrapbook.ServiceDefaults.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Scrapbook.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Albums;
using Scrapbook.Gallery.Api.Apis;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Devices;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Gallery.Api.Shares;
using Scrapbook.Gallery.Api.Webhooks;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Extensions;

internal static class ServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddSingleton(serviceProvider => new GalleryDatabase(
            serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString(GalleryApiSettings.Database) is { Length: > 0 } connectionString
                ? connectionString
                : throw new InvalidOperationException(
                    $"ConnectionStrings:{GalleryApiSettings.Database} is missing. Set ConnectionStrings__{GalleryApiSettings.Database} to 'Data Source=gallery.db' (SQLite) or 'Host=…;Database=…' (PostgreSQL).")));
        services.AddSingleton<DatabaseMigrator>();
        // Registered before the storage initializer and the relay, so the schema is in place when they start.
        services.AddHostedService<MigrationHostedService>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(GalleryApiSettings.Database, tags: ["ready", "db"]);

        builder.AddBlobStore(GalleryApiSettings.Blobs);
        // Before the job queue: its Storage Queues sender nudges idle workers through this Redis.
        builder.AddWakeUpRedisClient(GalleryApiSettings.Redis);
        builder.AddJobQueue(Channels.ThumbnailQueue);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<OutboxWriter>();
        services.AddSingleton<PhotoStore>();
        services.AddSingleton<AlbumStore>();
        services.AddSingleton<ShareLinkStore>();
        services.AddSingleton<ContentCleaner>();
        services.AddOptions<CleanupOptions>().BindConfiguration(CleanupOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ContentSweep>();
        services.AddHostedService<ContentSweeper>();
        services.AddSingleton<OutboxPublisher>();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddScrapbookAuthentication();
        services.AddSingleton<DeviceStore>();
        services.AddOptions<PairingOptions>().BindConfiguration(PairingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.AddOwnerResolution<IHostApplicationBuilder, DeviceStore>();
        builder.AddScrapbookOpenApi("Scrapbook Gallery API");
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IAuthorizationHandler, PhotoAuthorizationHandler>();
        services.AddHostedService<OutboxRelay>();

        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddKeyedSingleton<OutboxSignal>(WebhookDispatcher.SignalKey);
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDispatcher>();

        services.Configure<JsonOptions>(options =>
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default));

        return builder;
    }
}
