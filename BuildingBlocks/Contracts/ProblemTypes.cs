namespace Scrapbook.Contracts;

/// <summary>
/// Stable ProblemDetails <c>type</c> URIs. Clients switch on these, never on the text.
/// </summary>
public static class ProblemTypes
{
    private const string Base = "https://scrapbook.dev/problems/";

    public const string Malformed = Base + "malformed-request";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string Conflict = Base + "conflict";
    public const string UploadsClosed = Base + "uploads-closed";

    /// <summary>
    /// The owner already has as many photos or bytes as the deployment's per-owner quota allows (403: asking again will
    /// not help until they delete some; not 413, which is about this one request's size).
    /// </summary>
    public const string QuotaExceeded = Base + "quota-exceeded";
    public const string TooLarge = Base + "too-large";

    /// <summary>The owner already has as many direct uploads open as allowed (429, with <c>Retry-After</c> until one expires).</summary>
    public const string TooManyOpenUploads = Base + "too-many-open-uploads";

    /// <summary>A direct upload was completed before its bytes were committed to the upload URL (409: write them, then complete).</summary>
    public const string UploadIncomplete = Base + "upload-incomplete";
    public const string UnsupportedFormat = Base + "unsupported-format";
    public const string UndecodableImage = Base + "undecodable-image";
    public const string TooManyPixels = Base + "too-many-pixels";
    public const string TooManyFrames = Base + "too-many-frames";
    public const string UrlNotAllowed = Base + "url-not-allowed";
    public const string UrlFetchFailed = Base + "url-fetch-failed";
    public const string RateLimited = Base + "rate-limited";

    /// <summary>
    /// A pairing code that does not work (404): unknown, mistyped, expired, used, or tried too often. One answer for all,
    /// so a guesser learns nothing.
    /// </summary>
    public const string PairingCodeNotValid = Base + "pairing-code-not-valid";
    public const string DependencyDown = Base + "dependency-down";

    /// <summary>The gateway reached no destination of the route's service, or it failed before answering (502).</summary>
    public const string BadGateway = Base + "bad-gateway";

    /// <summary>The gateway's destination sent nothing for longer than its cluster's activity timeout (504).</summary>
    public const string GatewayTimeout = Base + "gateway-timeout";

    /// <summary>
    /// The type for a problem written without one (binding errors, status code pages, the exception handler).
    /// </summary>
    public static string? ForStatus(int status) => status switch
    {
        400 => Malformed,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        413 => TooLarge,
        415 => UnsupportedFormat,
        429 => RateLimited,
        502 => BadGateway,
        503 => DependencyDown,
        504 => GatewayTimeout,
        _ => null,
    };

    /// <summary>The status every problem of <paramref name="type"/> is sent with (the API description lists them by status).</summary>
    public static int StatusOf(string type) => type switch
    {
        Malformed or UrlNotAllowed => 400,
        Unauthorized => 401,
        Forbidden or UploadsClosed or QuotaExceeded => 403,
        NotFound or PairingCodeNotValid => 404,
        Conflict or UploadIncomplete => 409,
        TooLarge => 413,
        UnsupportedFormat => 415,
        UndecodableImage or TooManyPixels or TooManyFrames => 422,
        RateLimited or TooManyOpenUploads => 429,
        BadGateway or UrlFetchFailed => 502,
        DependencyDown => 503,
        GatewayTimeout => 504,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not one of Scrapbook's problem types."),
    };
}
