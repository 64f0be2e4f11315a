using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;

namespace Scrapbook.Storage;

/// <summary>
/// <see cref="IBlobStore"/> on one Azure Blob Storage container, through the Azure.Storage.Blobs SDK.
/// Put-if-absent is the SDK's upload with <c>If-None-Match: *</c>: on its single Put Blob, or on the Put Block List that
/// commits staged blocks, so the service picks the one winner and a blob is never visible half-written.
/// </summary>
internal sealed class AzureBlobStore(BlobContainerClient container, int? listPageSize = null) : IBlobStore
{
    /// <summary>Size of a staged block, and of the only buffer an upload of unknown length holds while it is read.</summary>
    internal const int BlockSize = 4 * 1024 * 1024;

    /// <summary>Blocks staged concurrently; with one more being read, an upload holds at most three blocks.</summary>
    internal const int MaxBlocksInFlight = 2;

    /// <summary>A seekable stream up to this size goes up as one Put Blob, streamed straight from the caller's stream.</summary>
    internal const long SingleUploadLimit = 64L * 1024 * 1024;

    private const string DefaultContentType = "application/octet-stream";

    /// <summary>The metadata entry <see cref="TouchAsync"/> writes (the blob's only metadata: nothing else sets any).</summary>
    private const string TouchedMetadata = "touched";

    private readonly UserDelegationKeys _delegationKeys = new(container.GetParentBlobServiceClient());

    // The SDK buffers content of unknown length up to InitialTransferSize to choose between one Put Blob and staged
    // blocks, and buffers every block it stages concurrently; with both at one block the memory an upload holds is bounded.
    private static readonly StorageTransferOptions s_unseekableTransfer = new()
    {
        InitialTransferSize = BlockSize,
        MaximumTransferSize = BlockSize,
        MaximumConcurrency = MaxBlocksInFlight,
    };

    private static readonly StorageTransferOptions s_seekableTransfer = new()
    {
        InitialTransferSize = SingleUploadLimit,
        MaximumTransferSize = BlockSize,
        MaximumConcurrency = MaxBlocksInFlight,
    };

    public async Task<BlobPutOutcome> PutIfAbsentAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        var blob = container.GetBlobClient(key);

        // Content-addressed keys are often uploaded again: for a large body one HEAD is cheaper than sending it for a 409.
        // (Exists, unlike Get Properties, does not record the 404 of a new key as a failed operation.)
        if (content.CanSeek && content.Length - content.Position > BlockSize
            && await blob.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return BlobPutOutcome.AlreadyExists;
        }

        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType ?? DefaultContentType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            TransferOptions = content.CanSeek ? s_seekableTransfer : s_unseekableTransfer,
        };

        try
        {
            await blob.UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            return BlobPutOutcome.Created;
        }
        catch (RequestFailedException conflict) when (conflict.ErrorCode == BlobErrorCode.BlobAlreadyExists || conflict.Status == 412)
        {
            return BlobPutOutcome.AlreadyExists;
        }
        catch (RequestFailedException invalid) when (invalid.ErrorCode == BlobErrorCode.InvalidBlockList)
        {
            // A concurrent writer committed first, which discards the blocks we staged: that is "already exists".
            if (await blob.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return BlobPutOutcome.AlreadyExists;
            }

            throw;
        }
    }

    public async Task<BlobDownload?> OpenReadAsync(string key, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        var blob = container.GetBlobClient(key);
        if (range is not { IsSuffix: true } suffix)
        {
            var requested = range is { } slice ? new HttpRange(slice.Offset, slice.Length) : default;
            return await DownloadAsync(blob, range, requested, conditions: null, cancellationToken).ConfigureAwait(false);
        }

        // The service only understands "bytes=start-[end]": resolve "the last N bytes" against the current length, and pin
        // the ETag so the read fails rather than mixes versions if the blob is replaced in between (then resolve again).
        for (var attempt = 1; ; attempt++)
        {
            if (await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not { } properties)
            {
                return null;
            }

            var (offset, count) = suffix.Resolve(properties.Length)
                ?? throw new BlobRangeNotSatisfiableException(key, suffix, properties.Length);
            try
            {
                var pinned = new BlobRequestConditions { IfMatch = new ETag(properties.ETag) };
                return await DownloadAsync(blob, suffix, new HttpRange(offset, count), pinned, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException changed) when (changed.Status == 412 && attempt < 2)
            {
            }
        }
    }

    public async Task<BlobDownload?> OpenVersionAsync(string key, string eTag, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(eTag);
        try
        {
            var pinned = new BlobRequestConditions { IfMatch = new ETag(eTag) };
            return await DownloadAsync(container.GetBlobClient(key), range: null, requested: default, pinned, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException changed) when (changed.Status == 412)
        {
            return null;
        }
    }

    public async Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        try
        {
            var properties = (await container.GetBlobClient(key).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return ToProperties(properties.ContentLength, properties.ETag, properties.ContentType, properties.LastModified);
        }
        catch (RequestFailedException missing) when (missing.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
    }

    public async Task<bool> TouchAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        // Set Blob Metadata is the cheapest write that leaves the content alone; the service gives the blob a new ETag and
        // Last-Modified for it. The value only records when, for whoever looks at the blob.
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [TouchedMetadata] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        try
        {
            await container.GetBlobClient(key).SetMetadataAsync(metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException missing) when (missing.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return false;
        }
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        return await container.GetBlobClient(key).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> DeleteIfUnchangedAsync(string key, string eTag, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentException.ThrowIfNullOrWhiteSpace(eTag);
        try
        {
            var conditions = new BlobRequestConditions { IfMatch = new ETag(eTag) };
            return await container.GetBlobClient(key).DeleteIfExistsAsync(conditions: conditions, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException changed) when (changed.Status == 412)
        {
            return false;
        }
    }

    public async Task<Uri> CreateUploadUriAsync(string key, DateTimeOffset expiresOn, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        var blob = container.GetBlobClient(key);
        var sas = new BlobSasBuilder(BlobSasPermissions.Create | BlobSasPermissions.Write, expiresOn)
        {
            BlobContainerName = container.Name,
            BlobName = key,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }

        var delegationKey = await _delegationKeys.GetAsync(expiresOn, cancellationToken).ConfigureAwait(false);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(delegationKey, container.AccountName) }.ToUri();
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var pages = container
            .GetBlobsAsync(new GetBlobsOptions { Prefix = prefix.Length == 0 ? null : prefix }, cancellationToken)
            .AsPages(pageSizeHint: listPageSize);
        await foreach (var page in pages.ConfigureAwait(false))
        {
            foreach (var item in page.Values)
            {
                var properties = item.Properties;
                yield return new BlobItem(
                    item.Name,
                    ToProperties(properties.ContentLength ?? 0, properties.ETag ?? default, properties.ContentType, properties.LastModified ?? default));
            }
        }
    }

    private async Task<BlobDownload?> DownloadAsync(
        BlobClient blob,
        BlobRange? range,
        HttpRange requested,
        BlobRequestConditions? conditions,
        CancellationToken cancellationToken)
    {
        BlobDownloadStreamingResult result;
        try
        {
            result = (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = requested, Conditions = conditions }, cancellationToken)
                .ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException missing) when (missing.ErrorCode == BlobErrorCode.BlobNotFound)
        {
            return null;
        }
        catch (RequestFailedException unsatisfiable) when (unsatisfiable.Status == 416 && range is { } asked)
        {
            var total = TotalLength(unsatisfiable.GetRawResponse()?.Headers.TryGetValue("Content-Range", out var value) == true ? value : null)
                ?? (await GetPropertiesAsync(blob.Name, cancellationToken).ConfigureAwait(false))?.Length;
            return total is { } length ? throw new BlobRangeNotSatisfiableException(blob.Name, asked, length, unsatisfiable) : null;
        }

        var details = result.Details;
        var properties = ToProperties(details.ContentLength, details.ETag, details.ContentType, details.LastModified);
        var offset = 0L;
        if (details.ContentRange is { } contentRange)
        {
            // "bytes 400-499/1000". Azurite answers a range starting exactly at the end with an empty 206 whose
            // Content-Range ("bytes 1000-999/1000") does not parse; the check below turns that into the 416 Azure sends.
            if (ContentRangeHeaderValue.TryParse(contentRange, out var parsed) && parsed is { From: { } from, Length: { } total })
            {
                offset = from;
                properties = properties with { Length = total };
            }
            else if (details.ContentLength == 0 && await GetPropertiesAsync(blob.Name, cancellationToken).ConfigureAwait(false) is { } current)
            {
                properties = properties with { Length = current.Length };
                offset = current.Length;
            }
        }

        // BlobRange.From(0) sends no range header, so an empty blob comes back whole: like any range starting at or past
        // the end, that range is unsatisfiable.
        if (range is { } wanted && wanted.Resolve(properties.Length) is null)
        {
            await result.Content.DisposeAsync().ConfigureAwait(false);
            throw new BlobRangeNotSatisfiableException(blob.Name, wanted, properties.Length);
        }

        return new BlobDownload(result.Content, properties, offset, details.ContentLength);
    }

    private static long? TotalLength(string? contentRange) =>
        ContentRangeHeaderValue.TryParse(contentRange, out var parsed) ? parsed.Length : null;

    private static BlobProperties ToProperties(long length, ETag etag, string? contentType, DateTimeOffset lastModified) => new(
        length,
        etag.ToString("H"), // listings carry the ETag unquoted, headers quoted
        string.IsNullOrEmpty(contentType) ? DefaultContentType : contentType,
        lastModified);
}
