using SkiaSharp;

namespace Scrapbook.Bench.Thumbnails;

/// <summary>
/// SkiaSharp as a peer: the default presets made the way a SkiaSharp service would at its best.
/// </summary>
/// <remarks>
/// One decode per image, at the smallest size the codec offers that still covers the large preset
/// (libjpeg-turbo's DCT scaling, which Skia offers in eighths: 12 MP decodes at 4/8, 24 MP at 3/8),
/// converted to sRGB. EXIF orientation and the resize to large are one draw; small is drawn from
/// large and thumb from small, always with the Mitchell cubic (B = C = 1/3). Skia's cubic is a fixed
/// 4×4 kernel that does not widen when it shrinks, so each step starts from the smallest frame
/// already made. Skia has no saliency crop: thumb is a centre crop. WebP is lossy q80; Skia's
/// encoder sets libwebp's method to 3 itself (SkiaSharp has no knob for it). The renditions are
/// drawn untagged, so the encoder writes no ICC chunk, and it writes no EXIF or XMP.
/// </remarks>
internal static class SkiaPeer
{
    private const int Large = 1600;
    private const int Small = 640;
    private const int Thumb = 256;

    private static readonly SKSamplingOptions s_mitchell = new(SKCubicResampler.Mitchell);
    private static readonly SKWebpEncoderOptions s_webp = new(SKWebpEncoderCompression.Lossy, 80);

    public static IReadOnlyList<(string Name, string Extension, ReadOnlyMemory<byte> Content)> Render(string path)
    {
        using var codec = SKCodec.Create(path, out var opened) ?? throw new InvalidDataException($"SkiaSharp cannot open {path}: {opened}.");
        var stored = codec.Info;
        var origin = codec.EncodedOrigin;
        var quarterTurned = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var (uprightWidth, uprightHeight) = quarterTurned ? (stored.Height, stored.Width) : (stored.Width, stored.Height);

        var (largeWidth, largeHeight) = Fit(uprightWidth, uprightHeight, Large);
        var (drawWidth, drawHeight) = quarterTurned ? (largeHeight, largeWidth) : (largeWidth, largeHeight);
        using var decoded = Decode(codec, ShrinkOnLoad(codec, drawWidth, drawHeight));
        using var large = Draw(decoded, largeWidth, largeHeight, Orientation(origin, largeWidth, largeHeight), drawWidth, drawHeight);

        var (smallWidth, smallHeight) = Fit(large.Width, large.Height, Small);
        using var small = Draw(large, smallWidth, smallHeight, SKMatrix.Identity, smallWidth, smallHeight);

        // Cover the box, then keep its centre; like every preset, never upscaled.
        var cover = Math.Min(1, Math.Max((double)Thumb / small.Width, (double)Thumb / small.Height));
        var (coverWidth, coverHeight) = (small.Width * cover, small.Height * cover);
        var (thumbWidth, thumbHeight) = (Math.Min(Thumb, small.Width), Math.Min(Thumb, small.Height));
        var centre = SKMatrix.CreateTranslation((float)(thumbWidth - coverWidth) / 2, (float)(thumbHeight - coverHeight) / 2);
        using var thumb = Draw(small, thumbWidth, thumbHeight, centre, (float)coverWidth, (float)coverHeight);

        return [("large", "webp", Encode(large)), ("small", "webp", Encode(small)), ("thumb", "webp", Encode(thumb))];
    }

    /// <summary>Whether SkiaSharp decodes the first frame of <paramref name="path"/>, and if not why.</summary>
    public static string Probe(string path)
    {
        using var codec = SKCodec.Create(path, out var opened);
        if (codec is null)
        {
            return $"no ({opened})";
        }

        using var bitmap = Decode(codec, codec.Info.Size);
        return $"yes ({codec.EncodedFormat} {bitmap.Width}×{bitmap.Height})";
    }

    private static (int Width, int Height) Fit(int width, int height, int box)
    {
        var scale = Math.Min(1, Math.Min((double)box / width, (double)box / height));
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    /// <summary>
    /// The smallest size the codec decodes to that still covers <paramref name="width"/>×<paramref name="height"/>
    /// (stored orientation). GetScaledDimensions rounds a scale down to one the codec supports (0.4
    /// gives 3/8: 1500 px for a 1600 px preset), so each eighth is tried, smallest first.
    /// </summary>
    private static SKSizeI ShrinkOnLoad(SKCodec codec, int width, int height)
    {
        for (var eighths = 1; eighths < 8; eighths++)
        {
            var size = codec.GetScaledDimensions(eighths / 8f);
            if (size.Width >= width && size.Height >= height)
            {
                return size;
            }
        }

        return codec.Info.Size;
    }

    private static SKBitmap Decode(SKCodec codec, SKSizeI size)
    {
        var alpha = codec.Info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Premul;
        var info = new SKImageInfo(size.Width, size.Height, SKImageInfo.PlatformColorType, alpha, SKColorSpace.CreateSrgb());
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw new InvalidDataException($"SkiaSharp could not decode the {codec.EncodedFormat} image at {size.Width}×{size.Height}: {result}.");
        }

        // Immutable, so that SKImage.FromBitmap shares the pixels instead of copying them.
        bitmap.SetImmutable();
        return bitmap;
    }

    /// <summary>
    /// Draws <paramref name="source"/> scaled to <paramref name="drawWidth"/>×<paramref name="drawHeight"/>
    /// through <paramref name="transform"/> into a new untagged bitmap of the given size.
    /// </summary>
    private static SKBitmap Draw(SKBitmap source, int width, int height, SKMatrix transform, float drawWidth, float drawHeight)
    {
        var target = new SKBitmap(new SKImageInfo(width, height, SKImageInfo.PlatformColorType, source.AlphaType));
        using (var canvas = new SKCanvas(target))
        using (var image = SKImage.FromBitmap(source))
        {
            canvas.SetMatrix(transform);
            canvas.DrawImage(image, SKRect.Create(drawWidth, drawHeight), s_mitchell);
        }

        target.SetImmutable();
        return target;
    }

    /// <summary>
    /// Maps the stored frame, drawn at the rendition's size, onto the upright
    /// <paramref name="width"/>×<paramref name="height"/> rendition (EXIF orientations 1–8).
    /// </summary>
    private static SKMatrix Orientation(SKEncodedOrigin origin, int width, int height) => origin switch
    {
        SKEncodedOrigin.TopRight => new(-1, 0, width, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new(-1, 0, width, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new(1, 0, 0, 0, -1, height, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new(0, -1, width, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new(0, -1, width, -1, 0, height, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new(0, 1, 0, -1, 0, height, 0, 0, 1),
        _ => SKMatrix.Identity,
    };

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(s_webp) ?? throw new InvalidOperationException("SkiaSharp's WebP encoder failed.");
        return data.ToArray();
    }
}
