using System.Buffers.Binary;
using Scrapbook.Imaging.Interop;
using SkiaSharp;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// BMP through Skia's decoder (SkiaSharp's SKCodec, fuzzed as part of Chromium), because libvips
/// reads BMP only through ImageMagick, an untrusted loader that stays blocked. Before Skia sees a
/// byte, the headers are checked here: an embedded JPEG or PNG is refused as unsupported, and
/// uncompressed rows that would end past the file are a truncation (so a header promising
/// 30000×30000 over a few bytes is refused without any allocation). The size Skia reads then goes
/// through the caller's limits before any pixel is decoded.
/// </summary>
internal static class SkiaBmp
{
    private const int FileHeaderSize = 14;
    private const uint BiJpeg = 4;
    private const uint BiPng = 5;

    public static ImageInfo ReadInfo(ReadOnlySpan<byte> file)
    {
        CheckHeaders(file);
        using var data = SKData.CreateCopy(file);
        using var codec = Open(data, out var result) ?? throw Corrupt(result);

        return new ImageInfo(ImageFormat.Bmp, codec.Info.Width, codec.Info.Height, 1, 1);
    }

    /// <summary>
    /// Decodes row by row to RGBA, averaging <paramref name="shrink"/>×<paramref name="shrink"/>
    /// blocks as the rows come, so memory follows the output size rather than the file's (a 1-bit
    /// BMP of 90 megapixels needs 360 MB as RGBA, its 1/4 shrink 22 MB).
    /// </summary>
    public static VipsImageHandle Decode(ReadOnlySpan<byte> file, int shrink)
    {
        CheckHeaders(file);
        using var data = SKData.CreateCopy(file);
        using var codec = Open(data, out var result) ?? throw Corrupt(result);
        var (width, height) = (codec.Info.Width, codec.Info.Height);
        shrink = Math.Clamp(shrink, 1, Math.Min(width, height));
        var outWidth = (width + shrink - 1) / shrink;
        var outHeight = (height + shrink - 1) / shrink;

        // Unpremultiplied RGBA: what libvips takes as a 4-band sRGB image with alpha.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var started = codec.StartScanlineDecode(info);
        if (started != SKCodecResult.Success)
        {
            throw Corrupt(started);
        }

        // Rows of one output row's block arrive together (upwards for bottom-up files): their sums
        // are kept for one output row and written out when the next block starts.
        var rgba = new byte[(long)outWidth * outHeight * 4];
        var sums = new long[outWidth * 4];
        var row = new byte[width * 4];
        var block = -1;
        var rowsInBlock = 0;
        var anyAlpha = false;
        unsafe
        {
            fixed (byte* rowPointer = row)
            {
                for (var i = 0; i < height; i++)
                {
                    if (codec.GetScanlines((nint)rowPointer, 1, row.Length) != 1)
                    {
                        throw Corrupt(SKCodecResult.IncompleteInput);
                    }

                    var y = codec.GetOutputScanline(i);
                    if (y / shrink != block)
                    {
                        Flush(sums, rgba, block, rowsInBlock, width, shrink);
                        (block, rowsInBlock) = (y / shrink, 0);
                    }

                    rowsInBlock++;
                    for (var x = 0; x < width; x++)
                    {
                        var cell = (x / shrink) * 4;
                        sums[cell] += row[x * 4];
                        sums[cell + 1] += row[(x * 4) + 1];
                        sums[cell + 2] += row[(x * 4) + 2];
                        sums[cell + 3] += row[(x * 4) + 3];
                        anyAlpha |= row[(x * 4) + 3] != 255;
                    }
                }
            }
        }

        Flush(sums, rgba, block, rowsInBlock, width, shrink);
        return anyAlpha
            ? VipsImageHandle.FromPixels(rgba, outWidth, outHeight, 4)
            : VipsImageHandle.FromPixels(DropAlpha(rgba), outWidth, outHeight, 3);
    }

    /// <summary>Writes one output row's averages (each cell over the source pixels it covers) and clears the sums.</summary>
    private static void Flush(long[] sums, byte[] rgba, int block, int rows, int width, int shrink)
    {
        if (block < 0)
        {
            return;
        }

        var cells = sums.Length / 4;
        for (var cell = 0; cell < cells; cell++)
        {
            var count = (long)rows * Math.Min(shrink, width - (cell * shrink));
            var target = (((long)block * cells) + cell) * 4;
            for (var c = 0; c < 4; c++)
            {
                rgba[target + c] = (byte)((sums[(cell * 4) + c] + (count / 2)) / count);
            }
        }

        Array.Clear(sums);
    }

    private static byte[] DropAlpha(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (long i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }

        return rgb;
    }

    private static SKCodec? Open(SKData data, out SKCodecResult result)
    {
        var codec = SKCodec.Create(data);
        result = codec is null ? SKCodecResult.InvalidInput : SKCodecResult.Success;
        if (codec is not null && codec.EncodedFormat is var format && format != SKEncodedImageFormat.Bmp)
        {
            // The sniffer said BMP; anything else Skia recognises in it is not decoded as that.
            codec.Dispose();
            throw ImageRejectedException.Unsupported($"Skia reads it as {format}, not BMP");
        }

        return codec;
    }

    /// <summary>What Skia is not asked to judge: embedded JPEG/PNG, and uncompressed rows past the file's end.</summary>
    private static void CheckHeaders(ReadOnlySpan<byte> file)
    {
        if (file.Length < FileHeaderSize + 4)
        {
            throw Truncated("the headers are cut short");
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(file[FileHeaderSize..]);
        if (file.Length < FileHeaderSize + Math.Min(dibSize, 40))
        {
            throw Truncated("the headers are cut short");
        }

        long width, height, bitsPerPixel;
        uint compression = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(file[18..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(file[20..]);
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(file[24..]);
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(file[18..]);
            height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(file[22..]));
            bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(file[28..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(file[30..]);
        }

        if (compression is BiJpeg or BiPng)
        {
            throw ImageRejectedException.Unsupported("BMP with embedded JPEG or PNG data");
        }

        // Uncompressed and bit-field rows have a fixed size: all of them must be in the file.
        // (RLE streams have no fixed size; Skia reports one cut short as incomplete.)
        if (compression is 0 or 3 or 6 && width > 0)
        {
            var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
            if (pixelOffset + (stride * height) > file.Length)
            {
                throw Truncated($"{height} rows of {stride} bytes from offset {pixelOffset} end past the file's {file.Length} bytes");
            }
        }
    }

    private static ImageRejectedException Truncated(string detail) =>
        ImageRejectedException.Corrupt(ImageFormat.Bmp, $"the file is truncated: {detail}.");

    private static ImageRejectedException Corrupt(SKCodecResult result) => result == SKCodecResult.IncompleteInput
        ? Truncated("the pixel data ends early")
        : ImageRejectedException.Corrupt(ImageFormat.Bmp, $"Skia's BMP decoder reports {result}.");
}
