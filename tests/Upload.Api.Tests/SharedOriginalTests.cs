using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Scrapbook.Contracts;
using Scrapbook.Storage;
using Scrapbook.Testing;
using Scrapbook.Upload.Api.Tests.Support;

namespace Scrapbook.Upload.Api.Tests;

/// <summary>
/// Originals are shared by every photo of the same bytes and deleted by a clean-up once no photo uses them: an upload
/// that reuses one must not lose it to a clean-up running at the same time.
/// </summary>
[Collection(UploadApiCollection.Name)]
public sealed class SharedOriginalTests(UploadApiFixture servers)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UploadingBytesAlreadyStoredTouchesTheOriginalSoACleanUpThatSawItBeforeCannotDeleteIt()
    {
        await using var api = servers.CreateUploadApi();
        using var alice = await api.CreateOwnerClientAsync(Cancellation);
        using var bob = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var key = BlobKeys.Original(Requests.Sha256(png));
        using var first = await alice.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        var seenByACleanUp = await api.Blobs.GetPropertiesAsync(key, Cancellation);

        using var second = await bob.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.False(await api.Blobs.DeleteIfUnchangedAsync(key, seenByACleanUp!.ETag, Cancellation));
        Assert.Equal(png, await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task AnOriginalDeletedBetweenFindingItStoredAndTouchingItIsStoredAgain()
    {
        await using var api = Intercepted();
        var blobs = (InterceptingBlobStore)api.Blobs;
        using var alice = await api.CreateOwnerClientAsync(Cancellation);
        using var bob = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var key = BlobKeys.Original(Requests.Sha256(png));
        using var first = await alice.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);
        var deleted = 0;
        blobs.AfterPut = async (put, outcome) =>
        {
            // A clean-up that found no photo using the original deletes it just after Bob's upload found it there.
            if (put == key && outcome == BlobPutOutcome.AlreadyExists && Interlocked.CompareExchange(ref deleted, 1, 0) == 0)
            {
                Assert.True(await blobs.Inner.DeleteAsync(key, Cancellation));
            }
        };

        using var second = await bob.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(1, deleted);
        Assert.Equal(png, await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    [Fact]
    public async Task AnOriginalDeletedJustAfterThePhotoWasRegisteredIsStoredAgain()
    {
        await using var api = Intercepted();
        var blobs = (InterceptingBlobStore)api.Blobs;
        using var client = await api.CreateOwnerClientAsync(Cancellation);
        var png = TestImages.Png();
        var key = BlobKeys.Original(Requests.Sha256(png));
        var deleted = 0;
        blobs.BeforeTouch = async touched =>
        {
            // A new original is touched once, after its photo is registered: a clean-up that checked the database just
            // before the registration committed deletes it first.
            if (touched == key && Interlocked.CompareExchange(ref deleted, 1, 0) == 0)
            {
                Assert.True(await blobs.Inner.DeleteAsync(key, Cancellation));
            }
        };

        using var response = await client.PostAsync("/api/uploads", Requests.Raw(png, "image/png"), Cancellation);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, deleted);
        Assert.Equal(png, await api.ReadOriginalAsync(Requests.Sha256(png), Cancellation));
    }

    /// <summary>Upload.Api whose store of originals is an <see cref="InterceptingBlobStore"/> (its <see cref="UploadApiHost.Blobs"/>).</summary>
    private UploadApiHost Intercepted() => servers.CreateUploadApi(services: services =>
        services.AddSingleton<IBlobStore>(provider =>
            new InterceptingBlobStore(provider.GetRequiredKeyedService<IBlobStore>(StorageHostingExtensions.DefaultContainer))));
}
