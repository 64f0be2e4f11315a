using Azure.Core;
using Azure.Messaging.ServiceBus;
using Azure.Messaging.ServiceBus.Administration;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Scrapbook.Messaging;

/// <summary>
/// Picks the transport when the queue is first resolved (at the latest when the host starts), so configuration added after
/// registration (test hosts, user secrets) counts: Service Bus when <c>ConnectionStrings:messaging</c> is set, else Storage Queues
/// when <c>ConnectionStrings:queues</c> is.
/// </summary>
internal static class JobQueueFactory
{
    public static IJobQueue Create(IServiceProvider services, string queueName)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var loggers = services.GetRequiredService<ILoggerFactory>();
        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(JobQueueHostingExtensions.MessagingConnectionName)))
        {
            return new ServiceBusJobQueue(
                services.GetRequiredService<IAzureClientFactory<ServiceBusClient>>().CreateClient(JobQueueHostingExtensions.MessagingConnectionName),
                services.GetRequiredService<IAzureClientFactory<ServiceBusAdministrationClient>>().CreateClient(JobQueueHostingExtensions.MessagingConnectionName),
                queueName,
                loggers.CreateLogger<ServiceBusJobQueue>());
        }

        if (!string.IsNullOrWhiteSpace(configuration.GetConnectionString(JobQueueHostingExtensions.QueuesConnectionName)))
        {
            return new StorageQueueJobQueue(
                services.GetRequiredService<IAzureClientFactory<QueueServiceClient>>().CreateClient(JobQueueHostingExtensions.QueuesConnectionName),
                queueName,
                services.GetService<IConnectionMultiplexer>(),
                services.GetRequiredService<IOptions<JobQueueOptions>>().Value,
                loggers.CreateLogger<StorageQueueJobQueue>());
        }

        throw new InvalidOperationException(
            $"Job queue '{queueName}' has no transport: set ConnectionStrings:{JobQueueHostingExtensions.MessagingConnectionName} " +
            $"(environment ConnectionStrings__{JobQueueHostingExtensions.MessagingConnectionName}) to an Azure Service Bus connection string or namespace, " +
            $"or ConnectionStrings:{JobQueueHostingExtensions.QueuesConnectionName} (ConnectionStrings__{JobQueueHostingExtensions.QueuesConnectionName}) " +
            "to an Azure Storage connection string or queue service URI.");
    }

    /// <summary>The factory behind the <c>queues</c> client: a queue service URI signs in with the credential, anything else is a connection string.</summary>
    public static QueueServiceClient CreateQueueServiceClient(QueueClientOptions options, TokenCredential credential, IServiceProvider services)
    {
        // Messages already in the queues were written base64 by the previous client; every Azure SDK writes them so.
        options.MessageEncoding = QueueMessageEncoding.Base64;
        var value = ReadConnectionString(services, JobQueueHostingExtensions.QueuesConnectionName);
        return Wrap(JobQueueHostingExtensions.QueuesConnectionName, () => ConnectionValues.TryGetServiceUri(value, out var uri)
            ? new QueueServiceClient(uri, credential, options)
            : new QueueServiceClient(value, options));
    }

    public static ServiceBusClient CreateServiceBusClient(ServiceBusClientOptions options, TokenCredential credential, IServiceProvider services)
    {
        var value = ReadConnectionString(services, JobQueueHostingExtensions.MessagingConnectionName);
        return Wrap(JobQueueHostingExtensions.MessagingConnectionName, () => ConnectionValues.TryGetServiceBusNamespace(value, out var fullyQualifiedNamespace)
            ? new ServiceBusClient(fullyQualifiedNamespace, credential, options)
            : new ServiceBusClient(value, options));
    }

    public static ServiceBusAdministrationClient CreateServiceBusAdministrationClient(ServiceBusAdministrationClientOptions options, TokenCredential credential, IServiceProvider services)
    {
        var value = ReadConnectionString(services, JobQueueHostingExtensions.MessagingConnectionName);
        return Wrap(JobQueueHostingExtensions.MessagingConnectionName, () => ConnectionValues.TryGetServiceBusNamespace(value, out var fullyQualifiedNamespace)
            ? new ServiceBusAdministrationClient(fullyQualifiedNamespace, credential, options)
            : new ServiceBusAdministrationClient(value, options));
    }

    private static string ReadConnectionString(IServiceProvider services, string name) =>
        services.GetRequiredService<IConfiguration>().GetConnectionString(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"ConnectionStrings:{name} is not set.");

    // The SDKs say what is wrong with a malformed value, but not which setting held it.
    private static T Wrap<T>(string name, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"ConnectionStrings:{name} is neither a service address nor a valid connection string: {ex.Message}", ex);
        }
    }
}
