namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Pixel patterns for generated test images (channel values on a 16-bit scale).</summary>
internal static class Images
{
    /// <summary>A smooth colour gradient with a little deterministic texture: a photo's statistics, roughly.</summary>
    public static (int R, int G, int B, int A) Gradient(int x, int y, int width, int height)
    {
        var texture = ((x * 7919) ^ (y * 104729)) % 4096;
        return (
            (int)(65535L * x / Math.Max(1, width - 1) * 3 / 4) + texture,
            (int)(65535L * y / Math.Max(1, height - 1) * 3 / 4) + texture,
            32768,
            65535);
    }

    public static byte[] GradientPng(int width, int height) =>
        PngWriter.Write(width, height, PngWriter.Rgb, 8, (x, y) => Gradient(x, y, width, height));

    /// <summary>Upright: grey, with a red block in the top-left corner (a fifth of each side).</summary>
    public static (int R, int G, int B, int A) Marker(int x, int y, int width, int height) =>
        x < width / 5 && y < height / 5 ? (65535, 0, 0, 65535) : (30000, 30000, 30000, 65535);

    /// <summary>
    /// Where a stored pixel shows once EXIF orientation <paramref name="orientation"/> is applied
    /// (stored size <paramref name="width"/>×<paramref name="height"/>).
    /// </summary>
    public static (int X, int Y) Displayed(int orientation, int x, int y, int width, int height) => orientation switch
    {
        1 => (x, y),
        2 => (width - 1 - x, y),
        3 => (width - 1 - x, height - 1 - y),
        4 => (x, height - 1 - y),
        5 => (y, x),
        6 => (height - 1 - y, x),
        7 => (height - 1 - y, width - 1 - x),
        8 => (y, width - 1 - x),
        _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
    };
}
