using Microsoft.Extensions.Logging.Abstractions;
using Scrapbook.Testing;

namespace Scrapbook.Storage.Tests;

public sealed class AuthenticationTests(AzuriteServer azurite)
{
    private static readonly string[] s_rejectedSignatureCodes = ["AuthenticationFailed", "AuthorizationFailure"];

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private string WrongKeyConnectionString => azurite.ConnectionString.Replace(
        AzuriteServer.AccountKey,
        Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray()),
        StringComparison.Ordinal);

    [Fact]
    public async Task AWrongAccountKeyGivesAClearAuthenticationErrorForBlobs()
    {
        var store = StorageFactory.CreateBlobStore(StorageConnectionString.Parse(WrongKeyConnectionString), "scrapbook", NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<StorageAuthenticationException>(
            () => store.PutIfAbsentAsync("originals/abc", new MemoryStream([1, 2, 3]), cancellationToken: Cancellation));

        // Azure Storage says AuthenticationFailed; Azurite's blob service says AuthorizationFailure for a bad signature.
        Assert.Equal(403, error.Status);
        Assert.Contains(error.ErrorCode, s_rejectedSignatureCodes);
        Assert.Contains($"403 {error.ErrorCode}", error.Message, StringComparison.Ordinal);
        Assert.Contains("Server failed to authenticate the request", error.Message, StringComparison.Ordinal);
        Assert.Contains(AzuriteServer.AccountName, error.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey", error.Message, StringComparison.Ordinal);

        // HEAD responses carry no body: the code must come from the x-ms-error-code header.
        var headError = await Assert.ThrowsAsync<StorageAuthenticationException>(() => store.GetPropertiesAsync("originals/abc", Cancellation));
        Assert.Contains(headError.ErrorCode, s_rejectedSignatureCodes);
    }

    [Fact]
    public async Task AWrongAccountKeyGivesAClearAuthenticationErrorForQueues()
    {
        var queue = StorageFactory.CreateJobQueue(StorageConnectionString.Parse(WrongKeyConnectionString), "thumbnails", NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<StorageAuthenticationException>(
            () => ((IStorageResource)queue).EnsureCreatedAsync(Cancellation));

        Assert.Equal(403, error.Status);
        Assert.Contains(error.ErrorCode, s_rejectedSignatureCodes);
    }
}
