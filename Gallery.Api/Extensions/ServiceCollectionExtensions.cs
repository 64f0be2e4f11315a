using Microsoft.AspNetCore.Http.Json;
using Scrapbook.Contracts;
using Scrapbook.Gallery.Api.Apis;
using Scrapbook.Gallery.Api.Data;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Redis;
using Scrapbook.Storage;

namespace Scrapbook.Gallery.Api.Extensions;

internal static class ServiceCollectionExtensions
{
    public const string DatabaseConnectionName = "gallerydb";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddSingleton(serviceProvider => new GalleryDatabase(
            serviceProvider.GetRequiredService<IConfiguration>().GetConnectionString(DatabaseConnectionName) is { Length: > 0 } connectionString
                ? connectionString
                : throw new InvalidOperationException(
                    $"ConnectionStrings:{DatabaseConnectionName} is missing. Set ConnectionStrings__{DatabaseConnectionName} to 'Data Source=gallery.db' (SQLite) or 'Host=…;Database=…' (PostgreSQL).")));
        services.AddSingleton<DatabaseMigrator>();
        // Registered before the storage initializer and the relay, so the schema is in place when they start.
        services.AddHostedService<MigrationHostedService>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(DatabaseConnectionName, tags: ["ready", "db"]);

        builder.AddBlobStore("blobs");
        builder.AddJobQueue("queues", Channels.ThumbnailQueue);
        builder.AddRedisClient("redis");

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<PhotoStore>();
        services.AddSingleton<ContentCleaner>();
        services.AddSingleton<OutboxPublisher>();
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName);
        services.AddHostedService<OutboxRelay>();

        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Insert(1, GalleryJsonContext.Default);
        });
        // In Development minimal APIs throw binding failures (malformed JSON); they are the client's fault, so 400, not 500.
        services.Configure<ExceptionHandlerOptions>(options => options.StatusCodeSelector = exception =>
            exception is BadHttpRequestException badRequest ? badRequest.StatusCode : StatusCodes.Status500InternalServerError);
        services.Configure<ProblemDetailsOptions>(options => options.CustomizeProblemDetails = context =>
        {
            // Problems ASP.NET Core writes itself (binding errors, unmatched routes) get our stable types too.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            if ((context.ProblemDetails.Type is null || context.ProblemDetails.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
                && Problems.TypeFor(status) is { } type)
            {
                context.ProblemDetails.Type = type;
            }
        });

        return builder;
    }
}
