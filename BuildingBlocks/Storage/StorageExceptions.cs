using System.Net;

namespace Scrapbook.Storage;

/// <summary>A storage service answered with an error this library does not turn into a result value.</summary>
public class StorageException : Exception
{
    public StorageException(string message, int status = 0, string? errorCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorCode = errorCode;
    }

    /// <summary>HTTP status of the failed request (0 when no response was received).</summary>
    public int Status { get; }

    /// <summary>The service's error code (e.g. <c>AuthenticationFailed</c>), when it sent one.</summary>
    public string? ErrorCode { get; }
}

/// <summary>
/// The storage service refused our credentials: a wrong account key, a clock too far off for the
/// request signature, or an Entra identity without a data-plane role on the account.
/// </summary>
public sealed class StorageAuthenticationException : StorageException
{
    public StorageAuthenticationException(string message, int status, string? errorCode, Exception? innerException = null)
        : base(message, status, errorCode, innerException)
    {
    }

    internal static bool Matches(int status, string? errorCode) =>
        status == (int)HttpStatusCode.Unauthorized
        || (status == (int)HttpStatusCode.Forbidden
            && errorCode is null or "AuthenticationFailed" or "AuthorizationFailure" or "AuthorizationPermissionMismatch" or "InvalidAuthenticationInfo");
}

/// <summary>The requested range starts at or past the end of the blob (HTTP 416).</summary>
public sealed class BlobRangeNotSatisfiableException : StorageException
{
    public BlobRangeNotSatisfiableException(string key, BlobRange range, long blobLength)
        : base($"Range '{range}' is outside blob '{key}', which is {blobLength} bytes long.", (int)HttpStatusCode.RequestedRangeNotSatisfiable, "InvalidRange")
    {
        Key = key;
        BlobLength = blobLength;
    }

    public string Key { get; }

    /// <summary>The blob's total length, for a <c>Content-Range: bytes */{length}</c> answer.</summary>
    public long BlobLength { get; }
}
