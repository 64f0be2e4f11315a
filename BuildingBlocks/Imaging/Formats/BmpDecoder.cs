using System.Buffers.Binary;
using System.Numerics;
using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// A strict managed BMP reader, because libvips reads BMP only through ImageMagick (an untrusted
/// loader that stays blocked). Covers BITMAPCOREHEADER and BITMAPINFOHEADER through V5 with
/// 1/4/8-bit palettes, 16/24/32-bit pixels, BI_BITFIELDS/BI_ALPHABITFIELDS masks, and RLE8/RLE4.
/// Embedded JPEG/PNG (BI_JPEG/BI_PNG) is refused as unsupported. Every offset is bounds-checked.
/// </summary>
internal static class BmpDecoder
{
    private const int FileHeaderSize = 14;
    private const uint BiRgb = 0;
    private const uint BiRle8 = 1;
    private const uint BiRle4 = 2;
    private const uint BiBitfields = 3;
    private const uint BiAlphaBitfields = 6;

    public static ImageInfo ReadInfo(ReadOnlySpan<byte> file)
    {
        var header = ReadHeader(file);
        return new ImageInfo(ImageFormat.Bmp, header.Width, header.Height, 1, 1);
    }

    /// <summary>
    /// Decodes to an RGB or RGBA image, averaging <paramref name="shrink"/>×<paramref name="shrink"/>
    /// blocks while reading so memory follows the output size, not the file's (a 1-bit BMP of
    /// 100 megapixels fits in 12.5 MB).
    /// </summary>
    public static VipsImageHandle Decode(ReadOnlySpan<byte> file, int shrink)
    {
        var header = ReadHeader(file);
        shrink = Math.Clamp(shrink, 1, Math.Min(header.Width, header.Height));
        var outWidth = (header.Width + shrink - 1) / shrink;
        var outHeight = (header.Height + shrink - 1) / shrink;

        // Per output row: sums of R, G, B, A and how many source pixels fell in each cell.
        var sums = new long[outWidth * 4];
        var counts = new int[outWidth];
        var rgba = new byte[(long)outWidth * outHeight * 4 > int.MaxValue ? throw Corrupt("the decoded image is too large") : outWidth * outHeight * 4];
        var row = new byte[header.Width * 4];
        var anyAlpha = false;

        var rows = header.Compression is BiRle8 or BiRle4 ? DecodeRle(file, header) : null;
        for (var y = 0; y < header.Height; y++)
        {
            // Rows are stored bottom-up unless the height was negative.
            var storedRow = header.TopDown ? y : header.Height - 1 - y;
            if (rows is not null)
            {
                ExpandIndexedRow(rows.AsSpan(storedRow * header.Width, header.Width), header, row);
            }
            else
            {
                var start = header.PixelOffset + ((long)storedRow * header.Stride);
                ReadRow(file.Slice((int)start, header.Stride), header, row);
            }

            for (var x = 0; x < header.Width; x++)
            {
                var cell = x / shrink;
                sums[cell * 4] += row[x * 4];
                sums[(cell * 4) + 1] += row[(x * 4) + 1];
                sums[(cell * 4) + 2] += row[(x * 4) + 2];
                sums[(cell * 4) + 3] += row[(x * 4) + 3];
                counts[cell]++;
            }

            if ((y + 1) % shrink == 0 || y == header.Height - 1)
            {
                var outRow = y / shrink;
                for (var cell = 0; cell < outWidth; cell++)
                {
                    var n = counts[cell];
                    for (var c = 0; c < 4; c++)
                    {
                        rgba[(((outRow * outWidth) + cell) * 4) + c] = (byte)((sums[(cell * 4) + c] + (n / 2)) / n);
                    }

                    anyAlpha |= rgba[(((outRow * outWidth) + cell) * 4) + 3] != 255;
                }

                Array.Clear(sums);
                Array.Clear(counts);
            }
        }

        if (anyAlpha)
        {
            return VipsImageHandle.FromPixels(rgba, outWidth, outHeight, 4);
        }

        var rgb = new byte[outWidth * outHeight * 3];
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }

        return VipsImageHandle.FromPixels(rgb, outWidth, outHeight, 3);
    }

    private sealed record Header(
        int Width,
        int Height,
        bool TopDown,
        int BitsPerPixel,
        uint Compression,
        int PixelOffset,
        int Stride,
        byte[] Palette,
        uint RedMask,
        uint GreenMask,
        uint BlueMask,
        uint AlphaMask);

    private static Header ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < FileHeaderSize + 12)
        {
            throw Corrupt("the headers are truncated");
        }

        var pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(file[14..]);
        if (dibSize is not (12 or 40 or 52 or 56 or 108 or 124) || FileHeaderSize + dibSize > file.Length)
        {
            throw Corrupt($"unknown or truncated DIB header of {dibSize} bytes");
        }

        var dib = file.Slice(FileHeaderSize, (int)dibSize);
        int width, height, planes, bpp;
        uint compression = BiRgb, colorsUsed = 0;
        uint redMask = 0, greenMask = 0, blueMask = 0, alphaMask = 0;
        var paletteEntrySize = 4;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadUInt16LittleEndian(dib[6..]);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(dib[8..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(dib[10..]);
            paletteEntrySize = 3;
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(dib[8..]);
            planes = BinaryPrimitives.ReadUInt16LittleEndian(dib[12..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
            colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(dib[32..]);
            if (dibSize >= 52)
            {
                redMask = BinaryPrimitives.ReadUInt32LittleEndian(dib[40..]);
                greenMask = BinaryPrimitives.ReadUInt32LittleEndian(dib[44..]);
                blueMask = BinaryPrimitives.ReadUInt32LittleEndian(dib[48..]);
            }

            if (dibSize >= 56)
            {
                alphaMask = BinaryPrimitives.ReadUInt32LittleEndian(dib[52..]);
            }
        }

        if (compression is 4 or 5)
        {
            throw ImageRejectedException.Unsupported("BMP with embedded JPEG or PNG data");
        }

        if (compression is not (BiRgb or BiRle8 or BiRle4 or BiBitfields or BiAlphaBitfields))
        {
            throw Corrupt($"unknown compression {compression}");
        }

        var topDown = height < 0;
        if (height == int.MinValue || width <= 0 || height == 0 || planes != 1)
        {
            throw Corrupt($"invalid dimensions {width}×{height} or planes {planes}");
        }

        height = Math.Abs(height);
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32)
            || (compression == BiRle8 && bpp != 8)
            || (compression == BiRle4 && bpp != 4)
            || (compression is BiBitfields or BiAlphaBitfields && bpp is not (16 or 32))
            || (compression is BiRle8 or BiRle4 && topDown))
        {
            throw Corrupt($"{bpp} bits per pixel with compression {compression}");
        }

        // Masks may follow a 40-byte header instead of sitting inside a larger one.
        var afterDib = FileHeaderSize + (int)dibSize;
        if (dibSize == 40 && compression is BiBitfields or BiAlphaBitfields)
        {
            var maskBytes = compression == BiAlphaBitfields ? 16 : 12;
            if (afterDib + maskBytes > file.Length)
            {
                throw Corrupt("the colour masks are truncated");
            }

            redMask = BinaryPrimitives.ReadUInt32LittleEndian(file[afterDib..]);
            greenMask = BinaryPrimitives.ReadUInt32LittleEndian(file[(afterDib + 4)..]);
            blueMask = BinaryPrimitives.ReadUInt32LittleEndian(file[(afterDib + 8)..]);
            alphaMask = compression == BiAlphaBitfields ? BinaryPrimitives.ReadUInt32LittleEndian(file[(afterDib + 12)..]) : 0;
            afterDib += maskBytes;
        }
        else if (compression == BiRgb && bpp == 16)
        {
            (redMask, greenMask, blueMask, alphaMask) = (0x7C00, 0x03E0, 0x001F, 0);
        }
        else if (compression == BiRgb && bpp == 32)
        {
            // The fourth byte of BI_RGB is "reserved"; it is read as alpha only if a pixel sets it (below).
            (redMask, greenMask, blueMask, alphaMask) = (0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000);
        }

        if (compression is BiBitfields or BiAlphaBitfields && (redMask == 0 || greenMask == 0 || blueMask == 0))
        {
            throw Corrupt("a colour mask is empty");
        }

        var palette = Array.Empty<byte>();
        if (bpp <= 8)
        {
            var maxColors = 1 << bpp;
            var colors = colorsUsed == 0 ? maxColors : (int)Math.Min(colorsUsed, (uint)maxColors);
            var paletteBytes = colors * paletteEntrySize;
            if (afterDib + paletteBytes > file.Length)
            {
                throw Corrupt("the palette is truncated");
            }

            // Normalised to BGRA with 4 bytes per entry; missing entries stay black.
            palette = new byte[maxColors * 4];
            for (var i = 0; i < colors; i++)
            {
                palette[i * 4] = file[afterDib + (i * paletteEntrySize)];
                palette[(i * 4) + 1] = file[afterDib + (i * paletteEntrySize) + 1];
                palette[(i * 4) + 2] = file[afterDib + (i * paletteEntrySize) + 2];
                palette[(i * 4) + 3] = 255;
            }
        }

        var stride = (int)((((long)bpp * width) + 31) / 32 * 4);
        if (compression is not (BiRle8 or BiRle4))
        {
            if (pixelOffset < afterDib || pixelOffset + ((long)stride * height) > file.Length)
            {
                throw Corrupt($"the pixel data is truncated ({file.Length} bytes for {width}×{height} at {bpp} bits)");
            }
        }
        else if (pixelOffset < afterDib || pixelOffset >= file.Length)
        {
            throw Corrupt("the pixel data offset is outside the file");
        }

        return new Header(width, height, topDown, bpp, compression, (int)pixelOffset, stride, palette, redMask, greenMask, blueMask, alphaMask);
    }

    /// <summary>One stored row to RGBA.</summary>
    private static void ReadRow(ReadOnlySpan<byte> data, Header header, byte[] rgba)
    {
        var width = header.Width;
        switch (header.BitsPerPixel)
        {
            case 1 or 4 or 8:
                {
                    var perByte = 8 / header.BitsPerPixel;
                    var mask = (1 << header.BitsPerPixel) - 1;
                    for (var x = 0; x < width; x++)
                    {
                        var shift = 8 - (header.BitsPerPixel * ((x % perByte) + 1));
                        var index = (data[x / perByte] >> shift) & mask;
                        SetFromPalette(header.Palette, index, rgba, x);
                    }

                    break;
                }

            case 24:
                for (var x = 0; x < width; x++)
                {
                    rgba[x * 4] = data[(x * 3) + 2];
                    rgba[(x * 4) + 1] = data[(x * 3) + 1];
                    rgba[(x * 4) + 2] = data[x * 3];
                    rgba[(x * 4) + 3] = 255;
                }

                break;

            default:
                {
                    var bytesPerPixel = header.BitsPerPixel / 8;
                    var reservedAlpha = header.Compression == BiRgb && header.BitsPerPixel == 32;
                    var anyAlpha = false;
                    for (var x = 0; x < width; x++)
                    {
                        var pixel = bytesPerPixel == 2
                            ? BinaryPrimitives.ReadUInt16LittleEndian(data[(x * 2)..])
                            : BinaryPrimitives.ReadUInt32LittleEndian(data[(x * 4)..]);
                        rgba[x * 4] = Channel(pixel, header.RedMask);
                        rgba[(x * 4) + 1] = Channel(pixel, header.GreenMask);
                        rgba[(x * 4) + 2] = Channel(pixel, header.BlueMask);
                        rgba[(x * 4) + 3] = header.AlphaMask == 0 ? (byte)255 : Channel(pixel, header.AlphaMask);
                        anyAlpha |= rgba[(x * 4) + 3] != 0;
                    }

                    // A BI_RGB 32-bit row whose "reserved" bytes are all zero means opaque, as browsers read it.
                    if (reservedAlpha && !anyAlpha)
                    {
                        for (var x = 0; x < width; x++)
                        {
                            rgba[(x * 4) + 3] = 255;
                        }
                    }

                    break;
                }
        }
    }

    private static void ExpandIndexedRow(ReadOnlySpan<byte> indexes, Header header, byte[] rgba)
    {
        for (var x = 0; x < indexes.Length; x++)
        {
            SetFromPalette(header.Palette, indexes[x], rgba, x);
        }
    }

    private static void SetFromPalette(byte[] palette, int index, byte[] rgba, int x)
    {
        rgba[x * 4] = palette[(index * 4) + 2];
        rgba[(x * 4) + 1] = palette[(index * 4) + 1];
        rgba[(x * 4) + 2] = palette[index * 4];
        rgba[(x * 4) + 3] = 255;
    }

    /// <summary>Scales a masked field to 8 bits.</summary>
    private static byte Channel(uint pixel, uint mask)
    {
        var shift = BitOperations.TrailingZeroCount(mask);
        var bits = BitOperations.PopCount(mask);
        var value = (pixel & mask) >> shift;
        var max = (1u << bits) - 1;
        return bits >= 8 ? (byte)(value >> (bits - 8)) : (byte)(((value * 255) + (max / 2)) / max);
    }

    /// <summary>
    /// Expands RLE8/RLE4 into palette indexes, one byte per pixel, in stored (bottom-up) row order.
    /// Pixels the stream skips stay index 0; runs past a row's end or the image's are clipped.
    /// </summary>
    private static byte[] DecodeRle(ReadOnlySpan<byte> file, Header header)
    {
        var width = header.Width;
        var height = header.Height;
        var indexes = new byte[(long)width * height > int.MaxValue ? throw Corrupt("the image is too large") : width * height];
        var rle4 = header.Compression == BiRle4;
        int x = 0, y = 0, position = header.PixelOffset;
        while (y < height)
        {
            if (position + 2 > file.Length)
            {
                throw Corrupt("the RLE data is truncated");
            }

            int count = file[position], value = file[position + 1];
            position += 2;
            if (count > 0)
            {
                for (var i = 0; i < count && x < width; i++, x++)
                {
                    indexes[(y * width) + x] = (byte)(rle4 ? ((i & 1) == 0 ? value >> 4 : value & 15) : value);
                }

                continue;
            }

            switch (value)
            {
                case 0: // end of line
                    x = 0;
                    y++;
                    break;
                case 1: // end of bitmap
                    return indexes;
                case 2: // delta
                    if (position + 2 > file.Length)
                    {
                        throw Corrupt("the RLE data is truncated");
                    }

                    x += file[position];
                    y += file[position + 1];
                    position += 2;
                    break;
                default: // an absolute run of `value` pixels, padded to 16 bits
                    {
                        var bytes = rle4 ? (value + 1) / 2 : value;
                        if (position + bytes > file.Length)
                        {
                            throw Corrupt("the RLE data is truncated");
                        }

                        for (var i = 0; i < value; i++, x++)
                        {
                            var b = file[position + (rle4 ? i / 2 : i)];
                            if (x < width && y < height)
                            {
                                indexes[(y * width) + x] = (byte)(rle4 ? ((i & 1) == 0 ? b >> 4 : b & 15) : b);
                            }
                        }

                        position += bytes + (bytes & 1);
                        break;
                    }
            }
        }

        return indexes;
    }

    private static ImageRejectedException Corrupt(string detail) => ImageRejectedException.Corrupt(ImageFormat.Bmp, detail);
}
