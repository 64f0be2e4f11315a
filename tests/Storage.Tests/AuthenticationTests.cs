using Azure;
using Azure.Storage.Blobs;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

public sealed class AuthenticationTests(AzuriteServer azurite)
{
    private static readonly string[] s_rejectedSignatureCodes = ["AuthenticationFailed", "AuthorizationFailure"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWrongAccountKeySurfacesAsTheServicesAuthenticationErrorOnEveryOperation()
    {
        var wrongKey = azurite.ConnectionString.Replace(
            AzuriteServer.AccountKey,
            Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
            StringComparison.Ordinal);
        IBlobStore store = new AzureBlobStore(new BlobServiceClient(wrongKey).GetBlobContainerClient("scrapbook"));

        var error = await Assert.ThrowsAsync<RequestFailedException>(
            () => store.PutIfAbsentAsync("originals/abc", new MemoryStream([1, 2, 3]), cancellationToken: Cancellation));
        Assert.Equal(403, error.Status);
        Assert.Contains(error.ErrorCode, s_rejectedSignatureCodes);
        Assert.Contains("Server failed to authenticate the request", error.Message, StringComparison.Ordinal);

        // HEAD responses carry no body: the code comes from the x-ms-error-code header, and a 403 is not "missing".
        var headError = await Assert.ThrowsAsync<RequestFailedException>(() => store.GetPropertiesAsync("originals/abc", Cancellation));
        Assert.Contains(headError.ErrorCode, s_rejectedSignatureCodes);
        await Assert.ThrowsAsync<RequestFailedException>(() => store.OpenReadAsync("originals/abc", cancellationToken: Cancellation));
        await Assert.ThrowsAsync<RequestFailedException>(() => store.DeleteAsync("originals/abc", Cancellation));
        await Assert.ThrowsAsync<RequestFailedException>(() => store.ListAsync(cancellationToken: Cancellation).ToListAsync(Cancellation).AsTask());
    }
}
