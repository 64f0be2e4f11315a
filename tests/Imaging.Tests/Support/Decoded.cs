using Scrapbook.Imaging.Formats;
using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>A rendition decoded back to pixels (through libvips' loaders) so tests can look at it.</summary>
internal sealed class Decoded
{
    private Decoded(int width, int height, int bands, byte[] pixels)
    {
        Width = width;
        Height = height;
        Bands = bands;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    public int Bands { get; }

    public byte[] Pixels { get; }

    public static Decoded From(ReadOnlyMemory<byte> encoded)
    {
        var loader = FormatSniffer.Sniff(encoded.Span) switch
        {
            ImageFormat.WebP => "webpload_source",
            ImageFormat.Jpeg => "jpegload_source",
            ImageFormat.Avif or ImageFormat.Heif => "heifload_source",
            ImageFormat.Png => "pngload_source",
            var other => throw new InvalidOperationException($"No decoder for {other} in the tests."),
        };
        var memory = NativeBuffer.Allocate(encoded.Length);
        try
        {
            NativeBuffer.Write(memory, 0, encoded.Span);
            using var source = VipsSourceHandle.FromMemory(memory, (nuint)encoded.Length);
            using var operation = VipsOperation.Create(loader).Set("source", source).Build();
            using var image = operation.GetImage("out");
            return new Decoded(image.Width, image.Height, image.Bands, image.ToArray());
        }
        finally
        {
            NativeBuffer.Free(memory);
        }
    }

    public (byte R, byte G, byte B) Rgb(int x, int y)
    {
        var i = ((y * Width) + x) * Bands;
        return Bands >= 3 ? (Pixels[i], Pixels[i + 1], Pixels[i + 2]) : (Pixels[i], Pixels[i], Pixels[i]);
    }

    /// <summary>The mean of each colour channel over the whole image (grey counts as R = G = B).</summary>
    public (double R, double G, double B) MeanRgb()
    {
        double r = 0, g = 0, b = 0;
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var pixel = Rgb(x, y);
                (r, g, b) = (r + pixel.R, g + pixel.G, b + pixel.B);
            }
        }

        var count = (double)Width * Height;
        return (r / count, g / count, b / count);
    }

    public byte Alpha(int x, int y) => Bands is 2 or 4 ? Pixels[(((y * Width) + x) * Bands) + Bands - 1] : (byte)255;

    public bool IsReddish(int x, int y)
    {
        var (r, g, b) = Rgb(x, y);
        return r > 160 && g < 100 && b < 100;
    }
}
