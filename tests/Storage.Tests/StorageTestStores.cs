using Azure.Storage.Blobs;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

internal static class StorageTestStores
{
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 50)];

    /// <summary>A store on a new, empty container of the shared Azurite; <paramref name="listPageSize"/> forces paging.</summary>
    public static async Task<IBlobStore> CreateAsync(AzuriteServer azurite, int? listPageSize = null)
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(UniqueName("test"));
        await container.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        return new AzureBlobStore(container, listPageSize);
    }
}
