using System.Runtime.CompilerServices;
using Scrapbook.Storage;

namespace Scrapbook.Testing;

/// <summary>
/// A real blob store with hooks around some calls, to make something happen at an exact point of a clean-up or an
/// upload (another process touching, deleting or reusing a blob; a photo registered) without relying on timing.
/// </summary>
public sealed class InterceptingBlobStore(IBlobStore inner) : IBlobStore
{
    /// <summary>The store underneath, for doing what the other process would.</summary>
    public IBlobStore Inner => inner;

    /// <summary>Runs with the key and the outcome after every <see cref="PutIfAbsentAsync"/>.</summary>
    public Func<string, BlobPutOutcome, Task>? AfterPut { get; set; }

    /// <summary>Runs with the key before every <see cref="TouchAsync"/>, which then goes ahead.</summary>
    public Func<string, Task>? BeforeTouch { get; set; }

    /// <summary>Runs with the key before every <see cref="GetPropertiesAsync"/>, which then goes ahead.</summary>
    public Func<string, Task>? BeforeGetProperties { get; set; }

    /// <summary>Runs with the key before every <see cref="DeleteIfUnchangedAsync"/>, which then goes ahead.</summary>
    public Func<string, Task>? BeforeConditionalDelete { get; set; }

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

    public async Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        if (BeforeGetProperties is { } hook)
        {
            await hook(key);
        }

        return await inner.GetPropertiesAsync(key, cancellationToken);
    }

    public async Task<bool> TouchAsync(string key, CancellationToken cancellationToken = default)
    {
        if (BeforeTouch is { } hook)
        {
            await hook(key);
        }

        return await inner.TouchAsync(key, cancellationToken);
    }

    public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

    public async Task<bool> DeleteIfUnchangedAsync(string key, string eTag, CancellationToken cancellationToken = default)
    {
        if (BeforeConditionalDelete is { } hook)
        {
            await hook(key);
        }

        return await inner.DeleteIfUnchangedAsync(key, eTag, cancellationToken);
    }

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
