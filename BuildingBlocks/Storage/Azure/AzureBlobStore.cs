using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Microsoft.Extensions.Logging;

namespace Scrapbook.Storage;

/// <summary>
/// <see cref="IBlobStore"/> on the Azure Blob Storage REST API, <c>x-ms-version</c> <see cref="StorageHttp.ApiVersion"/>.
/// Operations used: Create Container, Get Container Properties, Put Blob, Put Block, Put Block List, Get Blob
/// (with <c>x-ms-range</c>), Get Blob Properties, Delete Blob and List Blobs (<c>prefix</c>, <c>marker</c>, <c>maxresults</c>).
/// Put-if-absent is a conditional write (<c>If-None-Match: *</c>) on Put Blob or on the final Put Block List,
/// so the service decides the single winner and a blob is never visible half-written.
/// </summary>
internal sealed partial class AzureBlobStore : IBlobStore, IStorageResource
{
    /// <summary>Block size for uploads of unknown or large length; the only buffer an upload holds.</summary>
    internal const int DefaultBlockSize = 4 * 1024 * 1024;

    /// <summary>Block uploads sent concurrently; with one more being read, an upload holds at most three blocks.</summary>
    internal const int MaxBlocksInFlight = 2;

    /// <summary>A seekable stream up to this size goes up as one Put Blob, streamed straight from the caller's stream.</summary>
    internal const long SingleUploadLimit = 64L * 1024 * 1024;

    private const string DefaultContentType = "application/octet-stream";

    private readonly StorageHttp _http;
    private readonly Uri _containerUri;
    private readonly string _container;
    private readonly int _blockSize;
    private readonly int? _listPageSize;
    private readonly ILogger _logger;

    public AzureBlobStore(StorageHttp http, Uri blobEndpoint, string container, ILogger<AzureBlobStore> logger, int blockSize = DefaultBlockSize, int? listPageSize = null)
    {
        ResourceNames.Validate(container, "container");
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 64 * 1024);
        _http = http;
        _container = container;
        _containerUri = StorageHttp.BuildUri(blobEndpoint, container);
        _blockSize = blockSize;
        _listPageSize = listPageSize;
        _logger = logger;
    }

    public string Description => $"blob container '{_container}' (account {_http.Account})";

    public async Task<BlobPutOutcome> PutIfAbsentAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        contentType ??= DefaultContentType;

        if (content.CanSeek && content.Length - content.Position is var length && length <= SingleUploadLimit)
        {
            // Content-addressed keys are often re-uploaded: for a large body one HEAD is cheaper than sending it for a 409.
            if (length > _blockSize && await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            {
                return BlobPutOutcome.AlreadyExists;
            }

            using var streamed = new BorrowedStreamContent(content);
            return await PutBlobAsync(key, streamed, contentType, cancellationToken).ConfigureAwait(false);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_blockSize);
        try
        {
            var filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, _blockSize), _blockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled < _blockSize)
            {
                using var small = RequestContent.Create(buffer.AsMemory(0, filled));
                return await PutBlobAsync(key, small, contentType, cancellationToken).ConfigureAwait(false);
            }

            if (await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not null)
            {
                return BlobPutOutcome.AlreadyExists;
            }

            return await PutBlocksAsync(key, content, buffer, filled, contentType, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task<BlobDownload?> OpenReadAsync(string key, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        string? ifMatch = null;
        long? knownLength = null;
        if (range is { IsSuffix: true } suffix)
        {
            // The service only understands "bytes=start-[end]": resolve "the last N bytes" against the current length,
            // and pin the ETag so the read fails rather than mixes versions if the blob is replaced in between.
            if (await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not { } properties)
            {
                return null;
            }

            var resolved = suffix.Resolve(properties.Length) ?? throw new BlobRangeNotSatisfiableException(key, suffix, properties.Length);
            range = BlobRange.Slice(resolved.Offset, resolved.Count);
            ifMatch = properties.ETag;
            knownLength = properties.Length;
        }

        var message = _http.CreateMessage(RequestMethod.Get, BlobUri(key));
        try
        {
            message.BufferResponse = false;
            if (range is { } requested && (requested.Offset > 0 || requested.Length is not null))
            {
                message.Request.Headers.SetValue("x-ms-range", requested.ToString());
            }

            if (ifMatch is not null)
            {
                message.Request.Headers.SetValue("If-Match", ifMatch);
            }

            var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            switch (response.Status)
            {
                case 200 or 206:
                    var properties = ReadProperties(response);
                    var count = response.Headers.ContentLength ?? properties.Length;
                    var offset = 0L;
                    if (response.Status == 206 && ParseContentRange(StorageHttp.GetHeader(response, "Content-Range")) is { } contentRange)
                    {
                        offset = contentRange.Start;
                        properties = properties with { Length = contentRange.Total };
                    }

                    if (range is { } asked && asked.Offset > 0 && asked.Offset >= properties.Length)
                    {
                        // Azure answers 416 here; Azurite answers an empty 206 for a range starting exactly at the end.
                        throw new BlobRangeNotSatisfiableException(key, asked, properties.Length);
                    }

                    var stream = message.ExtractResponseContent() ?? Stream.Null;
                    return new BlobDownload(stream, properties, offset, count);
                case 404:
                    return null;
                case 416:
                    var length = knownLength ?? (await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false))?.Length ?? 0;
                    throw new BlobRangeNotSatisfiableException(key, range!.Value, length);
                default:
                    throw await _http.CreateExceptionAsync(response, "Get Blob", Describe(key), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            message.Dispose();
        }
    }

    public async Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        using var message = _http.CreateMessage(RequestMethod.Head, BlobUri(key));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => ReadProperties(response),
            404 => null,
            _ => throw await _http.CreateExceptionAsync(response, "Get Blob Properties", Describe(key), cancellationToken).ConfigureAwait(false),
        };
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        using var message = _http.CreateMessage(RequestMethod.Delete, BlobUri(key));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            202 => true,
            404 => false,
            _ => throw await _http.CreateExceptionAsync(response, "Delete Blob", Describe(key), cancellationToken).ConfigureAwait(false),
        };
    }

    public async IAsyncEnumerable<BlobItem> ListAsync(string prefix = "", [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        string? marker = null;
        do
        {
            var uri = StorageHttp.BuildUri(
                _containerUri,
                string.Empty,
                ("restype", "container"),
                ("comp", "list"),
                ("prefix", prefix.Length == 0 ? null : prefix),
                ("marker", marker),
                ("maxresults", _listPageSize?.ToString(CultureInfo.InvariantCulture)));

            XElement page;
            using (var message = _http.CreateMessage(RequestMethod.Get, uri))
            {
                var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
                if (response.Status != 200)
                {
                    throw await _http.CreateExceptionAsync(response, "List Blobs", Description, cancellationToken).ConfigureAwait(false);
                }

                page = (await XDocument.LoadAsync(response.ContentStream!, LoadOptions.None, cancellationToken).ConfigureAwait(false)).Root
                    ?? throw new StorageException($"List Blobs on {Description} returned an empty document.");
            }

            foreach (var blob in page.Element("Blobs")?.Elements("Blob") ?? [])
            {
                yield return ParseListedBlob(blob);
            }

            marker = page.Element("NextMarker")?.Value;
        }
        while (!string.IsNullOrEmpty(marker));
    }

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        using var message = _http.CreateMessage(RequestMethod.Put, StorageHttp.BuildUri(_containerUri, string.Empty, ("restype", "container")));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case 201:
                LogContainerCreated(_logger, _container, _http.Account);
                break;
            case 409:
                break; // ContainerAlreadyExists (or being deleted, which the next operation will report).
            default:
                throw await _http.CreateExceptionAsync(response, "Create Container", Description, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<string?> ProbeAsync(CancellationToken cancellationToken = default)
    {
        using var message = _http.CreateMessage(RequestMethod.Head, StorageHttp.BuildUri(_containerUri, string.Empty, ("restype", "container")));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            200 => null,
            404 => $"{Description} does not exist",
            _ => (await _http.CreateExceptionAsync(response, "Get Container Properties", Description, cancellationToken).ConfigureAwait(false)).Message,
        };
    }

    private async Task<BlobPutOutcome> PutBlobAsync(string key, RequestContent content, string contentType, CancellationToken cancellationToken)
    {
        using var message = _http.CreateMessage(RequestMethod.Put, BlobUri(key));
        message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
        message.Request.Headers.SetValue("x-ms-blob-content-type", contentType);
        message.Request.Headers.SetValue("If-None-Match", "*");
        message.Request.Content = content;
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            201 => BlobPutOutcome.Created,
            409 or 412 => BlobPutOutcome.AlreadyExists,
            _ => throw await _http.CreateExceptionAsync(response, "Put Blob", Describe(key), cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>
    /// Uploads <paramref name="content"/> as blocks, <see cref="MaxBlocksInFlight"/> at a time while the next one is read,
    /// then commits them with Put Block List. Memory is bounded by (<see cref="MaxBlocksInFlight"/> + 1) blocks.
    /// </summary>
    private async Task<BlobPutOutcome> PutBlocksAsync(string key, Stream content, byte[] first, int firstLength, string contentType, CancellationToken cancellationToken)
    {
        // Block ids unique to this upload, so a concurrent writer of the same key can never commit our blocks or we theirs.
        var uploadId = Guid.NewGuid().ToString("N");
        var blockIds = new List<string>();
        var rented = new List<byte[]>();
        var free = new Stack<byte[]>();
        var inFlight = new List<Task<byte[]>>();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var (buffer, filled) = (first, firstLength);
            while (filled > 0)
            {
                var blockId = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{uploadId}-{blockIds.Count:D6}"));
                blockIds.Add(blockId);
                inFlight.Add(PutBlockAsync(key, blockId, buffer, filled, failed.Token));

                if (free.Count == 0 && rented.Count < MaxBlocksInFlight)
                {
                    var extra = ArrayPool<byte>.Shared.Rent(_blockSize);
                    rented.Add(extra);
                    free.Push(extra);
                }

                if (free.Count == 0)
                {
                    var done = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(done);
                    free.Push(await done.ConfigureAwait(false));
                }

                buffer = free.Pop();
                filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, _blockSize), _blockSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }

            await Task.WhenAll(inFlight).ConfigureAwait(false);
            inFlight.Clear();
            return await PutBlockListAsync(key, blockIds, contentType, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // No buffer goes back to the pool while a request may still be sending from it.
            await ((Task)Task.WhenAll(inFlight)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var extra in rented)
            {
                ArrayPool<byte>.Shared.Return(extra);
            }
        }
    }

    private async Task<byte[]> PutBlockAsync(string key, string blockId, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        using var message = _http.CreateMessage(RequestMethod.Put, BlobUri(key, ("comp", "block"), ("blockid", blockId)));
        message.Request.Content = RequestContent.Create(buffer.AsMemory(0, length));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201)
        {
            throw await _http.CreateExceptionAsync(response, "Put Block", Describe(key), cancellationToken).ConfigureAwait(false);
        }

        return buffer;
    }

    private async Task<BlobPutOutcome> PutBlockListAsync(string key, List<string> blockIds, string contentType, CancellationToken cancellationToken)
    {
        var body = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
        using var message = _http.CreateMessage(RequestMethod.Put, BlobUri(key, ("comp", "blocklist")));
        message.Request.Headers.SetValue("x-ms-blob-content-type", contentType);
        message.Request.Headers.SetValue("If-None-Match", "*");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToString(SaveOptions.DisableFormatting)));
        var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        switch (response.Status)
        {
            case 201:
                return BlobPutOutcome.Created;
            case 409 or 412:
                return BlobPutOutcome.AlreadyExists;
            case 400:
                // A concurrent writer committed first, which discards our uncommitted blocks: that is "already exists".
                var error = await _http.CreateExceptionAsync(response, "Put Block List", Describe(key), cancellationToken).ConfigureAwait(false);
                if (error.ErrorCode == "InvalidBlockList" && await GetPropertiesAsync(key, cancellationToken).ConfigureAwait(false) is not null)
                {
                    return BlobPutOutcome.AlreadyExists;
                }

                throw error;
            default:
                throw await _http.CreateExceptionAsync(response, "Put Block List", Describe(key), cancellationToken).ConfigureAwait(false);
        }
    }

    private Uri BlobUri(string key, params ReadOnlySpan<(string Name, string? Value)> query) =>
        StorageHttp.BuildUri(_containerUri, key, query);

    private string Describe(string key) => $"blob '{key}' in container '{_container}'";

    private static BlobProperties ReadProperties(Response response) => new(
        response.Headers.ContentLength ?? 0,
        StorageHttp.GetHeader(response, "ETag") ?? string.Empty,
        StorageHttp.GetHeader(response, "Content-Type") ?? DefaultContentType,
        StorageHttp.ParseHttpDate(StorageHttp.GetHeader(response, "Last-Modified")));

    private static BlobItem ParseListedBlob(XElement blob)
    {
        var nameElement = blob.Element("Name")!;
        var name = (string?)nameElement.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(nameElement.Value) : nameElement.Value;
        var properties = blob.Element("Properties");
        var etag = properties?.Element("Etag")?.Value ?? string.Empty;
        return new BlobItem(
            name,
            new BlobProperties(
                long.Parse(properties?.Element("Content-Length")?.Value ?? "0", CultureInfo.InvariantCulture),
                etag.StartsWith('"') ? etag : $"\"{etag}\"", // listings carry the ETag unquoted, headers quoted
                properties?.Element("Content-Type")?.Value is { Length: > 0 } type ? type : DefaultContentType,
                StorageHttp.ParseHttpDate(properties?.Element("Last-Modified")?.Value)));
    }

    private static (long Start, long Total)? ParseContentRange(string? value)
    {
        // "bytes 100-199/1000"
        if (value is null || !value.StartsWith("bytes ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var dash = value.IndexOf('-', StringComparison.Ordinal);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return dash > 6 && slash > dash
            && long.TryParse(value.AsSpan(6, dash - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && long.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? (start, total)
            : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created blob container {Container} in storage account {Account}")]
    private static partial void LogContainerCreated(ILogger logger, string container, string account);
}
