using Azure.Core;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>Builds the store or queue a parsed connection string selects.</summary>
internal static class StorageFactory
{
    public static IBlobStore CreateBlobStore(
        StorageConnectionString connection,
        string container,
        ILoggerFactory loggerFactory,
        TokenCredential? credential = null,
        string connectionName = "blobs",
        int? listPageSize = null,
        RetryOptions? retry = null)
    {
        if (connection.IsFileSystem)
        {
            return new FileSystemBlobStore(connection.FileSystemRoot, loggerFactory.CreateLogger<FileSystemBlobStore>());
        }

        var endpoint = connection.GetEndpoint(StorageService.Blob, connectionName);
        return new AzureBlobStore(
            StorageHttp.Create(connection, endpoint, credential, retry),
            endpoint,
            container,
            loggerFactory.CreateLogger<AzureBlobStore>(),
            listPageSize: listPageSize);
    }

    public static IJobQueue CreateJobQueue(
        StorageConnectionString connection,
        string queueName,
        ILoggerFactory loggerFactory,
        TokenCredential? credential = null,
        string connectionName = "queues",
        RetryOptions? retry = null)
    {
        var endpoint = connection.GetEndpoint(StorageService.Queue, connectionName);
        return new AzureJobQueue(StorageHttp.Create(connection, endpoint, credential, retry), endpoint, queueName, loggerFactory.CreateLogger<AzureJobQueue>());
    }
}
