using Scrapbook.ServiceDefaults.OpenApi;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.Notify.Api.Events;

namespace Scrapbook.Notify.Api.Extensions;

internal static class ServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddScrapbookAuthentication();
        builder.AddShareLinkAuthentication(GalleryEventsClient.BaseAddress);
        builder.AddScrapbookOpenApi("Scrapbook Notify API");
        var services = builder.Services;

        builder.AddRedisClient(NotifyApiSettings.Redis);
        builder.AddRemoteOwnerResolution(NotifyApiSettings.Gallery);

        services.AddOptions<NotifyOptions>().BindConfiguration(NotifyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NotifyMetrics>();
        services.AddSingleton<EventHub>();
        services.AddSingleton<EventReplay>();
        services.AddHostedService<EventTail>();

        // A replay is answered once, while the client waits: fail fast to a reset rather than retry for half a
        // minute. RemoveAllResilienceHandlers is marked experimental but is the supported way to opt one client
        // out of ConfigureHttpClientDefaults' resilience.
#pragma warning disable EXTEXP0001
        services.AddHttpClient<GalleryEventsClient>(http =>
            {
                http.BaseAddress = new Uri(GalleryEventsClient.BaseAddress);
                http.Timeout = TimeSpan.FromSeconds(10);
            })
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        return builder;
    }
}
