using Scrapbook.Gallery.Api.Devices;
using Scrapbook.Gallery.Api.Outbox;
using Scrapbook.Gallery.Api.Photos;
using Scrapbook.Gallery.Api.Webhooks;
using Scrapbook.Messaging;
using Scrapbook.ServiceDefaults.Authentication;
using Scrapbook.ServiceDefaults.Configuration;

namespace Scrapbook.Gallery.Api;

/// <summary>Every setting Gallery.Api reads (see <see cref="ServiceSettings"/>).</summary>
internal static class GalleryApiSettings
{
    public const string Database = "gallerydb";
    public const string Blobs = "blobs";

    /// <summary>The events stream the relay appends to (and, on Storage Queues, the workers' wake-up channel).</summary>
    public const string Redis = "redis";

    public static ServiceSettings Declared { get; } = new("gallery-api")
    {
        Required =
        [
            ServiceSettings.ConnectionString(Database),
            ServiceSettings.ConnectionString(Blobs),
            // Azure Managed Redis is reached with its access key inside the connection string.
            new(ServiceSettings.ConnectionString(Redis)) { Secret = true },
            new(ServiceSettings.ConnectionString(JobQueueHostingExtensions.MessagingConnectionName), ServiceSettings.ConnectionString(JobQueueHostingExtensions.QueuesConnectionName)),
            new($"{AdminKeyAuthenticationOptions.SectionName}:{nameof(AdminKeyAuthenticationOptions.Key)}") { Secret = true },
        ],
        Optional = [OutboxOptions.SectionName, QuotaOptions.SectionName, JobQueueOptions.SectionName, OwnerTokenOptions.SectionName, PairingOptions.SectionName, WebhookOptions.SectionName, CleanupOptions.SectionName],
    };
}
