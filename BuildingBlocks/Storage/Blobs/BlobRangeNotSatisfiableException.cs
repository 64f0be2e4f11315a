using Azure;

namespace Scrapbook.Storage;

/// <summary>
/// The requested range starts at or past the end of the blob: the service's 416 <c>InvalidRange</c>, carrying the blob's
/// length so an HTTP front end can answer <c>Content-Range: bytes */{length}</c>. It is a <see cref="RequestFailedException"/>
/// like every other failure the service reports.
/// </summary>
public sealed class BlobRangeNotSatisfiableException : RequestFailedException
{
    public BlobRangeNotSatisfiableException(string key, BlobRange range, long blobLength, Exception? innerException = null)
        : base(416, $"Range '{range}' is outside blob '{key}', which is {blobLength} bytes long.", "InvalidRange", innerException)
    {
        Key = key;
        BlobLength = blobLength;
    }

    public string Key { get; }

    /// <summary>The blob's total length.</summary>
    public long BlobLength { get; }
}
