using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Scrapbook.Storage;

/// <summary>Registers <see cref="IBlobStore"/> on Azure Blob Storage from an Aspire-style connection string.</summary>
public static class StorageHostingExtensions
{
    /// <summary>The container holding <c>originals/…</c> and <c>renditions/…</c> unless another is named.</summary>
    public const string DefaultContainer = "scrapbook";

    private static readonly TimeSpan s_healthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers an <see cref="IBlobStore"/> on <paramref name="container"/>, reached through a <see cref="BlobServiceClient"/>
    /// named <paramref name="connectionName"/> (Microsoft.Extensions.Azure's <see cref="IAzureClientFactory{TClient}"/>) and
    /// made from <c>ConnectionStrings:{connectionName}</c> when first resolved: an absolute http(s) URI is the blob service
    /// endpoint, authenticated with <see cref="DefaultAzureCredential"/>; anything else is an Azure Storage connection string.
    /// The store and its <see cref="BlobContainerClient"/> are keyed by <paramref name="container"/>, and the store is also the
    /// unkeyed default when it is the first one registered. The container is created at start when missing, and a health
    /// check named <c>blobs-{container}</c>, tagged <c>ready</c>, is added.
    /// </summary>
    public static IHostApplicationBuilder AddBlobStore(this IHostApplicationBuilder builder, string connectionName = "blobs", string container = DefaultContainer)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        ContainerName.Validate(container);

        builder.Services.AddAzureClients(clients =>
        {
            // The factory runs when the client is first resolved (at the latest when the host starts), so connection
            // strings added to configuration after registration — test hosts, user secrets — are honoured.
            clients.AddClient<BlobServiceClient, BlobClientOptions>((options, credential, services) =>
                    CreateServiceClient(services.GetRequiredService<IConfiguration>(), connectionName, options, credential))
                .WithName(connectionName);
            clients.UseCredential(new DefaultAzureCredential());
        });

        builder.Services.AddKeyedSingleton(container, (services, _) =>
            services.GetRequiredService<IAzureClientFactory<BlobServiceClient>>().CreateClient(connectionName).GetBlobContainerClient(container));
        builder.Services.AddKeyedSingleton<IBlobStore>(container, (services, _) =>
            new AzureBlobStore(services.GetRequiredKeyedService<BlobContainerClient>(container)));
        builder.Services.TryAddSingleton(services => services.GetRequiredKeyedService<IBlobStore>(container));

        builder.Services.AddSingleton(new BlobContainerRegistration(container));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BlobContainerInitializer>());
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"blobs-{container}",
            services => new BlobContainerHealthCheck(services.GetRequiredKeyedService<BlobContainerClient>(container)),
            failureStatus: null,
            tags: ["ready", "storage"],
            timeout: s_healthCheckTimeout));
        return builder;
    }

    private static BlobServiceClient CreateServiceClient(IConfiguration configuration, string connectionName, BlobClientOptions options, TokenCredential credential)
    {
        var value = configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"No blob storage is configured: set ConnectionStrings__{connectionName} (ConnectionStrings:{connectionName}) to a blob service URI " +
                "such as https://{account}.blob.core.windows.net/ or to an Azure Storage connection string.");
        }

        if (Uri.TryCreate(value, UriKind.Absolute, out var serviceUri) && (serviceUri.Scheme == Uri.UriSchemeHttps || serviceUri.Scheme == Uri.UriSchemeHttp))
        {
            return new BlobServiceClient(serviceUri, credential, options);
        }

        try
        {
            return new BlobServiceClient(value, options);
        }
        catch (FormatException invalid)
        {
            // The value may hold an account key: name the setting, never echo it.
            throw new InvalidOperationException(
                $"ConnectionStrings__{connectionName} is neither an http(s) blob service URI nor a valid Azure Storage connection string: {invalid.Message}",
                invalid);
        }
    }
}
