using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Scrapbook.Messaging;

/// <summary>Registers <see cref="IJobQueue"/> on Azure Service Bus or Azure Storage Queues, from Aspire-style connection strings.</summary>
public static class JobQueueHostingExtensions
{
    /// <summary>The thumbnail job queue.</summary>
    public const string DefaultQueueName = "thumbnails";

    /// <summary><c>ConnectionStrings:messaging</c>: a Service Bus connection string or namespace. Wins when both are set.</summary>
    public const string MessagingConnectionName = "messaging";

    /// <summary><c>ConnectionStrings:queues</c>: an Azure Storage connection string or queue service URI.</summary>
    public const string QueuesConnectionName = "queues";

    private static readonly TimeSpan s_healthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers an <see cref="IJobQueue"/> for <paramref name="queueName"/>: on Service Bus when <c>ConnectionStrings:messaging</c> is
    /// set, else on Storage Queues when <c>ConnectionStrings:queues</c> is; with neither, the host fails to start saying so. A value that
    /// is a service address signs in with <see cref="DefaultAzureCredential"/>; anything else is read as a connection string. The queue is
    /// keyed by <paramref name="queueName"/> and is the unkeyed default when registered first. Storage queues (and their <c>-poison</c>
    /// queues) are created at start when missing; Service Bus queues come from the deployment. Storage receivers are woken through the
    /// <c>IConnectionMultiplexer</c> when one is registered (Aspire's <c>AddRedisClient</c>). Adds a health check <c>queue-{queueName}</c>
    /// tagged <c>ready</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is not 3–63 of [a-z0-9-] without leading, trailing or double hyphens.</exception>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, string queueName = DefaultQueueName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        QueueNames.Validate(queueName);

        var services = builder.Services;
        var registered = services
            .Where(descriptor => descriptor.ServiceType == typeof(JobQueueRegistration))
            .Select(descriptor => (JobQueueRegistration?)descriptor.ImplementationInstance)
            .ToList();
        if (registered.Any(registration => registration?.QueueName == queueName))
        {
            return builder;
        }

        if (registered.Count == 0)
        {
            AddSharedServices(services);
        }

        services.AddSingleton(new JobQueueRegistration(queueName));
        services.AddKeyedSingleton<IJobQueue>(queueName, (provider, _) => JobQueueFactory.Create(provider, queueName));
        services.TryAddSingleton(provider => provider.GetRequiredKeyedService<IJobQueue>(queueName));
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"queue-{queueName}",
            provider => new JobQueueHealthCheck(provider.GetRequiredKeyedService<IJobQueue>(queueName)),
            failureStatus: null,
            tags: ["ready"],
            timeout: s_healthCheckTimeout));
        return builder;
    }

    private static void AddSharedServices(IServiceCollection services)
    {
        // Both transports' clients are registered; only the one the configuration selects is ever created. The factories read the
        // connection string when the client is first resolved, so configuration added after this call is honoured.
        services.AddAzureClients(clients =>
        {
            clients.AddClient<QueueServiceClient, QueueClientOptions>(JobQueueFactory.CreateQueueServiceClient)
                .WithName(QueuesConnectionName);
            clients.AddClient<ServiceBusClient, ServiceBusClientOptions>(JobQueueFactory.CreateServiceBusClient)
                .WithName(MessagingConnectionName);
            clients.AddClient<ServiceBusAdministrationClient, ServiceBusAdministrationClientOptions>(JobQueueFactory.CreateServiceBusAdministrationClient)
                .WithName(MessagingConnectionName);
            clients.UseCredential(new DefaultAzureCredential());
        });

        services.AddOptions<JobQueueOptions>()
            .BindConfiguration(JobQueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobQueueInitializer>());
    }
}
