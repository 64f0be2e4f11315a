using System.Globalization;
using Scrapbook.Imaging;

namespace Scrapbook.Thumbnail.Worker.Processing;

/// <summary>
/// The sentence a failed photo's owner reads on /upload and /mine. It says what went wrong with their file in
/// their terms; libvips' text, configuration keys, blob keys and stack traces stay in the worker's log and the
/// job's trace, where an operator finds them by the photo id.
/// </summary>
internal static class FailureReasons
{
    public static string Rejected(ImageRejectedException rejection) => rejection.Reason switch
    {
        ImageRejectionReason.Corrupt =>
            "The image cannot be decoded: the file looks damaged or incomplete. Saving or exporting it again usually helps.",
        ImageRejectionReason.UnsupportedFormat when rejection.UnsupportedFeature is { } feature =>
            $"{feature} is not supported, so Scrapbook cannot show this image. Saving it again as an ordinary JPEG, PNG or TIFF helps.",
        ImageRejectionReason.UnsupportedFormat =>
            "This file is not an image Scrapbook can show. JPEG, PNG, WebP, GIF, TIFF, HEIC, AVIF and BMP are.",
        ImageRejectionReason.TooLarge =>
            $"The file is too large ({Megabytes(rejection.Actual)} MB; the limit is {Megabytes(rejection.Limit)} MB).",
        ImageRejectionReason.TooManyPixels =>
            $"The image has too many pixels ({Megapixels(rejection.Actual)} megapixels; the limit is {Megapixels(rejection.Limit)}).",
        ImageRejectionReason.TooManyFrames =>
            $"The image has too many frames ({rejection.Actual}; the limit is {rejection.Limit}).",
        _ => "The image cannot be shown.",
    };

    /// <param name="lastError">The last delivery's error; null when a delivery past the limit gives up without trying.</param>
    public static string Exhausted(Exception? lastError, int maxDeliveries) => lastError is OriginalMissingException
        ? "The uploaded file was lost before its thumbnails were made. Please upload it again."
        : $"Scrapbook could not make the thumbnails after {maxDeliveries} tries. Please upload it again later.";

    private static string Megabytes(long? bytes) =>
        ((bytes ?? 0) / (1024.0 * 1024.0)).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Megapixels(long? pixels) =>
        ((pixels ?? 0) / 1_000_000.0).ToString("0.#", CultureInfo.InvariantCulture);
}
