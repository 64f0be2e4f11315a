using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

internal static class StorageTestStores
{
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 50)];

    public static async Task<IBlobStore> CreateAzureAsync(AzuriteServer azurite, int? listPageSize = null, string? connectionString = null)
    {
        var store = StorageFactory.CreateBlobStore(
            StorageConnectionString.Parse(connectionString ?? azurite.ConnectionString),
            UniqueName("test"),
            NullLoggerFactory.Instance,
            listPageSize: listPageSize);
        await ((IStorageResource)store).EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return store;
    }

    public static async Task<IBlobStore> CreateFileSystemAsync(string root)
    {
        var store = StorageFactory.CreateBlobStore(StorageConnectionString.Parse(new Uri(root).AbsoluteUri), "unused", NullLoggerFactory.Instance);
        await ((IStorageResource)store).EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return store;
    }

    public static async Task<IJobQueue> CreateQueueAsync(AzuriteServer azurite, string? name = null)
    {
        var queue = StorageFactory.CreateJobQueue(StorageConnectionString.Parse(azurite.ConnectionString), name ?? UniqueName("jobs"), NullLoggerFactory.Instance);
        await ((IStorageResource)queue).EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return queue;
    }
}
