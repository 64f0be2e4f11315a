using System.Runtime.CompilerServices;
using Scrapbook.Storage;

namespace Scrapbook.Upload.Api.Tests.Support;

/// <summary>
/// A real blob store with hooks around some calls, to make a clean-up delete a blob at an exact point of an upload
/// without relying on timing.
/// </summary>
internal sealed class InterceptingBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>The store underneath, for doing what a concurrent clean-up would.</summary>
    public IBlobStore Inner => inner;

    /// <summary>Runs with the key and the outcome after every <see cref="PutIfAbsentAsync"/>.</summary>
    public Func<string, BlobPutOutcome, Task>? AfterPut { get; set; }

    /// <summary>Runs with the key before every <see cref="TouchAsync"/>, which then goes ahead.</summary>
    public Func<string, Task>? BeforeTouch { get; set; }

    public async Task<BlobPutOutcome> PutIfAbsentAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        var outcome = await inner.PutIfAbsentAsync(key, content, contentType, cancellationToken);
        if (AfterPut is { } hook)
        {
            await hook(key, outcome);
        }

        return outcome;
    }

    public Task<BlobDownload?> OpenReadAsync(string key, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        inner.OpenReadAsync(key, range, cancellationToken);

    public Task<BlobDownload?> OpenVersionAsync(string key, string eTag, CancellationToken cancellationToken = default) =>
        inner.OpenVersionAsync(key, eTag, cancellationToken);

    public Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default) =>
        inner.GetPropertiesAsync(key, cancellationToken);

    public async Task<bool> TouchAsync(string key, CancellationToken cancellationToken = default)
    {
        if (BeforeTouch is { } hook)
        {
            await hook(key);
        }

        return await inner.TouchAsync(key, cancellationToken);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public Task<bool> DeleteIfUnchangedAsync(string key, string eTag, CancellationToken cancellationToken = default) =>
        inner.DeleteIfUnchangedAsync(key, eTag, cancellationToken);

    public Task<Uri> CreateUploadUriAsync(string key, DateTimeOffset expiresOn, CancellationToken cancellationToken = default) =>
        inner.CreateUploadUriAsync(key, expiresOn, cancellationToken);

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in inner.ListAsync(prefix, cancellationToken))
        {
            yield return item;
        }
    }
}
