using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

public static partial class ReadyAnnouncementExtensions
{
    /// <summary>Prints the resource's http address on the AppHost's console once it is healthy: where a person starts.</summary>
    public static IResourceBuilder<T> WithReadyAnnouncement<T>(this IResourceBuilder<T> builder, string what) where T : IResourceWithEndpoints
    {
        builder.ApplicationBuilder.Eventing.Subscribe<ResourceReadyEvent>(builder.Resource, (ready, _) =>
        {
            var logger = ready.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Scrapbook");
            LogReady(logger, what, builder.Resource.GetEndpoint("http").Url);
            return Task.CompletedTask;
        });
        return builder;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} is ready at {Url}")]
    private static partial void LogReady(ILogger logger, string what, string url);
}
