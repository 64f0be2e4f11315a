namespace Scrapbook.Storage;

/// <summary>
/// A flat namespace of immutable-by-convention blobs addressed by '/'-separated keys
/// (e.g. <c>originals/{sha256}</c>), kept in an Azure Blob Storage container.
/// </summary>
/// <remarks>
/// Keys are validated before any request (see <see cref="BlobKey"/>): no empty, "." or ".." segments,
/// no leading '/', no backslashes and no control characters. Failures the service reports surface as
/// <see cref="Azure.RequestFailedException"/>.
/// </remarks>
public interface IBlobStore
{
    /// <summary>
    /// Stores <paramref name="content"/> under <paramref name="key"/> unless a blob with that key already exists.
    /// The content is streamed; it is never held in memory whole. Exactly one of several concurrent writers
    /// of the same key gets <see cref="BlobPutOutcome.Created"/>, and a reader never sees a partial blob.
    /// </summary>
    Task<BlobPutOutcome> PutIfAbsentAsync(string key, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the blob (or a byte range of it) for reading. Returns <c>null</c> when the blob does not exist.
    /// Throws <see cref="BlobRangeNotSatisfiableException"/> when the range starts at or past the end (every range of an empty blob does).
    /// The caller disposes the result, which releases the underlying connection.
    /// </summary>
    Task<BlobDownload?> OpenReadAsync(string key, BlobRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the whole blob for reading only if it is still the version whose <see cref="BlobProperties.ETag"/> is
    /// <paramref name="eTag"/>; <c>null</c> when it is gone or has been replaced since.
    /// </summary>
    Task<BlobDownload?> OpenVersionAsync(string key, string eTag, CancellationToken cancellationToken = default);

    /// <summary>Reads a blob's properties without its content; <c>null</c> when it does not exist.</summary>
    Task<BlobProperties?> GetPropertiesAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a blob as just used without changing its content: its <see cref="BlobProperties.ETag"/> and
    /// <see cref="BlobProperties.LastModified"/> change (the blob's metadata is rewritten), so a delete pinned to the ETag
    /// seen before (<see cref="DeleteIfUnchangedAsync"/>) no longer applies and an age-based clean-up sees it as new.
    /// Returns <c>false</c> when the blob does not exist (nothing is created).
    /// </summary>
    Task<bool> TouchAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob. Idempotent: returns <c>false</c> when there was nothing to delete.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a blob only if it is still the version whose <see cref="BlobProperties.ETag"/> is <paramref name="eTag"/>.
    /// Returns <c>false</c> when it is gone or has been replaced since (then nothing is deleted).
    /// </summary>
    Task<bool> DeleteIfUnchangedAsync(string key, string eTag, CancellationToken cancellationToken = default);

    /// <summary>
    /// A URL, valid until <paramref name="expiresOn"/>, that lets whoever holds it write the blob <paramref name="key"/>
    /// (one Put Blob, or Put Block and Put Block List) and do nothing else: not read or delete it, not touch any other blob.
    /// Its permissions are create and write: Azure allows Put Block and Put Block List only with write, so the holder can
    /// also replace what it wrote, and a reader that must see one version pins it (<see cref="OpenVersionAsync"/>).
    /// A service SAS signed with the account key when the store has one (Azurite), otherwise a user-delegation SAS
    /// signed with a key obtained through the store's Entra identity.
    /// </summary>
    Task<Uri> CreateUploadUriAsync(string key, DateTimeOffset expiresOn, CancellationToken cancellationToken = default);

    /// <summary>Lists blobs whose key starts with <paramref name="prefix"/>, in ordinal key order, page by page.</summary>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix = "", CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IBlobStore.PutIfAbsentAsync"/> did.</summary>
public enum BlobPutOutcome
{
    /// <summary>This call stored the blob.</summary>
    Created,

    /// <summary>A blob with the key already existed (possibly written concurrently); nothing was changed.</summary>
    AlreadyExists,
}

/// <summary>Properties of a stored blob.</summary>
/// <param name="Length">Total size in bytes.</param>
/// <param name="ETag">Opaque, quoted entity tag; changes when the blob is replaced.</param>
/// <param name="ContentType">Media type stored with the blob (<c>application/octet-stream</c> when none was given).</param>
/// <param name="LastModified">When the blob was last written.</param>
public sealed record BlobProperties(long Length, string ETag, string ContentType, DateTimeOffset LastModified);

/// <summary>One entry of <see cref="IBlobStore.ListAsync"/>.</summary>
public sealed record BlobItem(string Key, BlobProperties Properties);

/// <summary>
/// A byte range of a blob. <see cref="Length"/> <c>null</c> means "to the end";
/// <see cref="IsSuffix"/> means "the last <see cref="Length"/> bytes" (HTTP's <c>bytes=-N</c>).
/// </summary>
public readonly record struct BlobRange
{
    private BlobRange(long offset, long? length, bool isSuffix)
    {
        Offset = offset;
        Length = length;
        IsSuffix = isSuffix;
    }

    public long Offset { get; }

    public long? Length { get; }

    public bool IsSuffix { get; }

    /// <summary>From <paramref name="offset"/> to the end of the blob.</summary>
    public static BlobRange From(long offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        return new BlobRange(offset, null, false);
    }

    /// <summary><paramref name="length"/> bytes starting at <paramref name="offset"/> (fewer when the blob ends sooner).</summary>
    public static BlobRange Slice(long offset, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new BlobRange(offset, length, false);
    }

    /// <summary>The last <paramref name="length"/> bytes (the whole blob when it is shorter).</summary>
    public static BlobRange Last(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new BlobRange(0, length, true);
    }

    /// <summary>Resolves the range against a blob of <paramref name="totalLength"/> bytes; <c>null</c> when unsatisfiable.</summary>
    internal (long Offset, long Count)? Resolve(long totalLength)
    {
        if (IsSuffix)
        {
            var count = Math.Min(Length!.Value, totalLength);
            return count == 0 ? null : (totalLength - count, count);
        }

        if (Offset >= totalLength)
        {
            return null;
        }

        var available = totalLength - Offset;
        return (Offset, Length is { } length ? Math.Min(length, available) : available);
    }

    public override string ToString() => IsSuffix
        ? $"bytes=-{Length}"
        : Length is { } length ? $"bytes={Offset}-{Offset + length - 1}" : $"bytes={Offset}-";
}

/// <summary>
/// An open blob read: the content stream plus what a caller needs to answer an HTTP request
/// (ETag, content type, total length and which bytes this stream carries).
/// </summary>
public sealed class BlobDownload : IAsyncDisposable, IDisposable
{
    internal BlobDownload(Stream content, BlobProperties properties, long offset, long count)
    {
        Content = content;
        Properties = properties;
        Offset = offset;
        Count = count;
    }

    /// <summary>The bytes [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Count"/>), streamed.</summary>
    public Stream Content { get; }

    /// <summary>Properties of the whole blob (its <see cref="BlobProperties.Length"/> is the total size).</summary>
    public BlobProperties Properties { get; }

    /// <summary>Position in the blob of the first byte of <see cref="Content"/>.</summary>
    public long Offset { get; }

    /// <summary>Number of bytes <see cref="Content"/> yields.</summary>
    public long Count { get; }

    /// <summary>True when only part of the blob was requested and returned.</summary>
    public bool IsPartial => Offset != 0 || Count != Properties.Length;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}
