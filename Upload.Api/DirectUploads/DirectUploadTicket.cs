namespace Scrapbook.Upload.Api.DirectUploads;

/// <summary>What the owner asked for in <c>POST /api/uploads/direct</c>. Only the size and type are checked here; nothing declared is trusted later.</summary>
/// <param name="Size">The file's size in bytes; completion refuses a blob of any other size.</param>
/// <param name="ContentType">An <c>image/*</c> type (or <c>application/octet-stream</c>); the format is decided by content at completion.</param>
/// <param name="FileName">What the client calls the file, echoed back for its bookkeeping.</param>
/// <param name="AlbumId">One of the owner's albums for the photo to go into.</param>
public sealed record DirectUploadRequest(long Size, string? ContentType, string? FileName = null, string? Caption = null, string? Author = null, Guid? AlbumId = null);

/// <summary>
/// The answer to <c>POST /api/uploads/direct</c>: PUT the bytes to <see cref="UploadUrl"/> (as a block blob: one Put Blob
/// with <c>x-ms-blob-type: BlockBlob</c>, or Put Block and Put Block List for large files) before <see cref="ExpiresAt"/>,
/// then <c>POST</c> <see cref="CompleteUrl"/>.
/// </summary>
public sealed record DirectUploadGrant(string Id, Uri UploadUrl, DateTimeOffset ExpiresAt, string CompleteUrl, long MaxBytes);

/// <summary>An open direct upload, stored as a small JSON blob in the staging container until it is completed, cancelled or swept.</summary>
internal sealed record DirectUploadTicket(
    string Id,
    string OwnerId,
    long Size,
    string? FileName,
    string? Caption,
    string? Author,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    Guid? AlbumId = null);
