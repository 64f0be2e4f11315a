namespace Scrapbook.Imaging;

/// <summary>The accepted input formats, as decided by content.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
    WebP,
    Gif,
    Tiff,
    Heif,
    Avif,
    Bmp,
}

/// <summary>What renditions are encoded as.</summary>
public enum OutputFormat
{
    WebP,
    Jpeg,
    Avif,
}

/// <summary>How a preset's box is filled.</summary>
public enum RenditionFit
{
    /// <summary>Scaled to fit inside the box, aspect ratio kept.</summary>
    Fit,

    /// <summary>Scaled to cover the box, then cropped to it around the most interesting region.</summary>
    SmartCrop,
}
