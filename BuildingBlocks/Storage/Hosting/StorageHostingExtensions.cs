using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>Registers <see cref="IBlobStore"/> and <see cref="IJobQueue"/> from Aspire-style connection strings.</summary>
public static class StorageHostingExtensions
{
    /// <summary>The container holding <c>originals/…</c> and <c>renditions/…</c> unless another is named.</summary>
    public const string DefaultContainer = "scrapbook";

    /// <summary>The thumbnail job queue.</summary>
    public const string DefaultQueue = "thumbnails";

    private static readonly TimeSpan s_healthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers an <see cref="IBlobStore"/> for <c>ConnectionStrings:{connectionName}</c>: an Azure Storage connection string
    /// or service URI selects the Azure Blob store on <paramref name="container"/>, <c>file:///path</c> the filesystem store.
    /// The store is keyed by <paramref name="container"/> and is also the unkeyed default when it is the first one registered.
    /// The container (or directory) is created at start when missing, and a health check named <c>blobs-{container}</c> is added.
    /// </summary>
    public static IHostApplicationBuilder AddBlobStore(this IHostApplicationBuilder builder, string connectionName = "blobs", string container = DefaultContainer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ResourceNames.Validate(container, "container");

        builder.Services.AddKeyedSingleton<IBlobStore>(container, (services, _) => StorageFactory.CreateBlobStore(
            ReadConnectionString(services, connectionName),
            container,
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<TokenCredential>(),
            connectionName));
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<IBlobStore>(container));
        AddResource(builder, $"blobs-{container}", services => (IStorageResource)services.GetRequiredKeyedService<IBlobStore>(container));
        return builder;
    }

    /// <summary>
    /// Registers an <see cref="IJobQueue"/> for queue <paramref name="queueName"/> on <c>ConnectionStrings:{connectionName}</c>
    /// (an Azure Storage connection string or queue service URI). Keyed by <paramref name="queueName"/>, and the unkeyed default
    /// when it is the first one registered. The queue and its <c>-poison</c> queue are created at start when missing,
    /// and a health check named <c>queue-{queueName}</c> is added.
    /// </summary>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, string connectionName = "queues", string queueName = DefaultQueue)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ResourceNames.Validate(queueName, "queue");

        builder.Services.AddKeyedSingleton<IJobQueue>(queueName, (services, _) => StorageFactory.CreateJobQueue(
            ReadConnectionString(services, connectionName),
            queueName,
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<TokenCredential>(),
            connectionName));
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<IJobQueue>(queueName));
        AddResource(builder, $"queue-{queueName}", services => (IStorageResource)services.GetRequiredKeyedService<IJobQueue>(queueName));
        return builder;
    }

    private static void AddResource(IHostApplicationBuilder builder, string name, Func<IServiceProvider, IStorageResource> resource)
    {
        builder.Services.AddSingleton(resource);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StorageInitializer>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            services => new StorageHealthCheck(resource(services)),
            failureStatus: null,
            tags: ["ready", "storage"],
            timeout: s_healthCheckTimeout));
    }

    // Read when the store is first resolved (at the latest when the host starts), so configuration added after
    // registration — test hosts, user secrets — is honoured, and a bad value fails the start with a clear message.
    private static StorageConnectionString ReadConnectionString(IServiceProvider services, string connectionName) =>
        StorageConnectionString.Parse(services.GetRequiredService<IConfiguration>().GetConnectionString(connectionName), connectionName);
}
