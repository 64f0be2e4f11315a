namespace Scrapbook.Imaging;

/// <summary>
/// What a probe learns from an image's header: its format (by content), the stored size of the
/// first frame, the number of frames the file declares, and the EXIF orientation (1–8; 1 when absent).
/// </summary>
public sealed record ImageInfo(ImageFormat Format, int Width, int Height, int Frames, int Orientation)
{
    /// <summary>Orientations 5–8 turn the image a quarter: its upright size is the stored size swapped.</summary>
    public bool IsQuarterTurned => Orientation is >= 5 and <= 8;

    public int UprightWidth => IsQuarterTurned ? Height : Width;

    public int UprightHeight => IsQuarterTurned ? Width : Height;

    public long Pixels => (long)Width * Height;

    /// <summary>The MIME type of the original, for storing and serving it.</summary>
    public string ContentType => Format switch
    {
        ImageFormat.Jpeg => "image/jpeg",
        ImageFormat.Png => "image/png",
        ImageFormat.WebP => "image/webp",
        ImageFormat.Gif => "image/gif",
        ImageFormat.Tiff => "image/tiff",
        ImageFormat.Heif => "image/heif",
        ImageFormat.Avif => "image/avif",
        ImageFormat.Bmp => "image/bmp",
        _ => "application/octet-stream",
    };
}
