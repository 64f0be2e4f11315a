using System.Buffers.Binary;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Writes BMP variants field by field, so the managed reader is tested against each layout.</summary>
internal static class BmpWriter
{
    /// <summary>Uncompressed 24-bit, bottom-up (or top-down with a negative height).</summary>
    public static byte[] Rgb24(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel, bool topDown = false)
    {
        var stride = ((width * 3) + 3) / 4 * 4;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var row = (topDown ? y : height - 1 - y) * stride;
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                data[row + (x * 3)] = b;
                data[row + (x * 3) + 1] = g;
                data[row + (x * 3) + 2] = r;
            }
        }

        return Assemble(width, topDown ? -height : height, 24, 0, [], data);
    }

    /// <summary>Palette-indexed at 1, 4 or 8 bits, bottom-up.</summary>
    public static byte[] Indexed(int width, int height, int bits, (byte R, byte G, byte B)[] palette, Func<int, int, int> index)
    {
        var stride = ((width * bits) + 31) / 32 * 4;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            var row = (height - 1 - y) * stride;
            for (var x = 0; x < width; x++)
            {
                var bitOffset = x * bits;
                data[row + (bitOffset / 8)] |= (byte)(index(x, y) << (8 - bits - (bitOffset % 8)));
            }
        }

        return Assemble(width, height, bits, 0, PaletteBytes(palette), data);
    }

    /// <summary>32-bit BI_BITFIELDS with an alpha mask in a BITMAPV5HEADER, as image editors write transparent BMPs.</summary>
    public static byte[] Rgba32V5(int width, int height, Func<int, int, (byte R, byte G, byte B, byte A)> pixel)
    {
        var data = new byte[width * 4 * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                var i = (((height - 1 - y) * width) + x) * 4;
                (data[i], data[i + 1], data[i + 2], data[i + 3]) = (b, g, r, a);
            }
        }

        return Assemble(width, height, 32, 3, [], data, v5Masks: true);
    }

    /// <summary>RLE8: each row as runs of up to 255 equal pixels, then end-of-line; end-of-bitmap at the end.</summary>
    public static byte[] Rle8(int width, int height, (byte R, byte G, byte B)[] palette, Func<int, int, int> index)
    {
        using var data = new MemoryStream();
        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = 0; x < width;)
            {
                var value = index(x, y);
                var run = 1;
                while (x + run < width && run < 255 && index(x + run, y) == value)
                {
                    run++;
                }

                data.Write([(byte)run, (byte)value]);
                x += run;
            }

            data.Write([0, 0]);
        }

        data.Write([0, 1]);
        return Assemble(width, height, 8, 1, PaletteBytes(palette), data.ToArray());
    }

    /// <summary>RLE4: runs of up to 254 pixels of one palette index (both nibbles equal), then end-of-line.</summary>
    public static byte[] Rle4(int width, int height, (byte R, byte G, byte B)[] palette, Func<int, int, int> index)
    {
        using var data = new MemoryStream();
        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = 0; x < width;)
            {
                var value = index(x, y);
                var run = 1;
                while (x + run < width && run < 254 && index(x + run, y) == value)
                {
                    run++;
                }

                data.Write([(byte)run, (byte)((value << 4) | value)]);
                x += run;
            }

            data.Write([0, 0]);
        }

        data.Write([0, 1]);
        return Assemble(width, height, 4, 2, PaletteBytes(palette), data.ToArray());
    }

    /// <summary>16-bit BI_RGB: five bits per channel (x1555), bottom-up.</summary>
    public static byte[] Rgb555(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var stride = ((width * 2) + 3) / 4 * 4;
        var data = new byte[stride * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                var value = (ushort)(((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3));
                BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(((height - 1 - y) * stride) + (x * 2)), value);
            }
        }

        return Assemble(width, height, 16, 0, [], data);
    }

    /// <summary>A header naming BI_JPEG compression (a JPEG inside a BMP).</summary>
    public static byte[] EmbeddedJpeg(int width, int height) => Assemble(width, height, 0, 4, [], [0xFF, 0xD8, 0xFF, 0xD9]);

    private static byte[] PaletteBytes((byte R, byte G, byte B)[] palette) =>
        [.. palette.SelectMany(c => new[] { c.B, c.G, c.R, (byte)0 })];

    private static byte[] Assemble(int width, int height, int bits, uint compression, byte[] palette, byte[] data, bool v5Masks = false)
    {
        var dibSize = v5Masks ? 124 : 40;
        var offset = 14 + dibSize + palette.Length;
        var file = new byte[offset + data.Length];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(2), file.Length);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), offset);
        var dib = file.AsSpan(14);
        BinaryPrimitives.WriteInt32LittleEndian(dib, dibSize);
        BinaryPrimitives.WriteInt32LittleEndian(dib[4..], width);
        BinaryPrimitives.WriteInt32LittleEndian(dib[8..], height);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[14..], (ushort)bits);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[16..], compression);
        BinaryPrimitives.WriteInt32LittleEndian(dib[20..], data.Length);
        BinaryPrimitives.WriteInt32LittleEndian(dib[32..], palette.Length / 4);
        if (v5Masks)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dib[40..], 0x00FF0000);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[44..], 0x0000FF00);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[48..], 0x000000FF);
            BinaryPrimitives.WriteUInt32LittleEndian(dib[52..], 0xFF000000);
            "BGRs"u8.CopyTo(dib[56..]);
        }

        palette.CopyTo(file, 14 + dibSize);
        data.CopyTo(file, offset);
        return file;
    }
}
