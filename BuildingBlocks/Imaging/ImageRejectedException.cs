namespace Scrapbook.Imaging;

/// <summary>Why an image was refused. Stable: services map these to HTTP statuses and messages.</summary>
public enum ImageRejectionReason
{
    /// <summary>Not one of the accepted formats by content (415).</summary>
    UnsupportedFormat,

    /// <summary>An accepted format that cannot be decoded: truncated, malformed, inconsistent (422).</summary>
    Corrupt,

    /// <summary>More bytes than <see cref="ImagingOptions.MaxBytes"/> (413).</summary>
    TooLarge,

    /// <summary>A frame of more pixels than <see cref="ImagingOptions.MaxMegapixels"/> allows (422).</summary>
    TooManyPixels,

    /// <summary>More frames declared than <see cref="ImagingOptions.MaxFrames"/> (422).</summary>
    TooManyFrames,
}

/// <summary>
/// An image refused by content or by a limit. For limits, <see cref="Limit"/> and <see cref="Actual"/>
/// carry the numbers (bytes, pixels or frames) and the message names both.
/// </summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejectionReason reason, string message, long? limit = null, long? actual = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        Limit = limit;
        Actual = actual;
    }

    public ImageRejectionReason Reason { get; }

    public long? Limit { get; }

    public long? Actual { get; }

    /// <summary>For an accepted format in a variant that cannot be shown: what it is, e.g. "TIFF with JPEG 2000 compression".</summary>
    public string? UnsupportedFeature { get; private init; }

    internal static ImageRejectedException Unsupported(string detail) =>
        new(ImageRejectionReason.UnsupportedFormat, $"Not an accepted image format ({detail}). Accepted: JPEG, PNG, WebP, GIF, TIFF, HEIC/HEIF, AVIF, BMP.");

    /// <summary>A file of an accepted format, intact, in a variant no decoder here reads.</summary>
    internal static ImageRejectedException Unsupported(ImageFormat format, string feature) =>
        new(ImageRejectionReason.UnsupportedFormat, $"{feature} is not supported (the {format} format is; this variant of it is not).")
        {
            UnsupportedFeature = feature,
        };

    internal static ImageRejectedException Corrupt(ImageFormat format, string detail, Exception? inner = null) =>
        new(ImageRejectionReason.Corrupt, $"The {format} image cannot be decoded: {detail}", innerException: inner);
}
