using System.Buffers.Binary;
using System.IO.Compression;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Writes PNGs byte by byte (signature, IHDR, IDAT, IEND with their CRCs), so tests control every field.</summary>
internal static class PngWriter
{
    public const byte Grey = 0;
    public const byte Rgb = 2;
    public const byte Rgba = 6;

    /// <summary>A complete image; <paramref name="pixel"/> gives 16-bit-scale channel values (0–65535) per pixel.</summary>
    public static byte[] Write(int width, int height, byte colorType, int bitDepth, Func<int, int, (int R, int G, int B, int A)> pixel)
    {
        var channels = colorType switch { Grey => 1, Rgb => 3, Rgba => 4, _ => throw new ArgumentOutOfRangeException(nameof(colorType)) };
        var bytesPerSample = bitDepth / 8;
        var rowBytes = 1 + (width * channels * bytesPerSample);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[rowBytes];
            for (var y = 0; y < height; y++)
            {
                var offset = 1; // filter type 0
                for (var x = 0; x < width; x++)
                {
                    var (r, g, b, a) = pixel(x, y);
                    int[] samples = channels switch { 1 => [r], 3 => [r, g, b], _ => [r, g, b, a] };
                    foreach (var sample in samples)
                    {
                        if (bytesPerSample == 2)
                        {
                            BinaryPrimitives.WriteUInt16BigEndian(row.AsSpan(offset), (ushort)sample);
                        }
                        else
                        {
                            row[offset] = (byte)(sample >> 8);
                        }

                        offset += bytesPerSample;
                    }
                }

                zlib.Write(row);
            }
        }

        return Assemble(width, height, colorType, bitDepth, raw.ToArray());
    }

    /// <summary>
    /// A few hundred bytes whose IHDR declares <paramref name="width"/>×<paramref name="height"/> RGB,
    /// with one deflated row of data: a decompression bomb's header without its payload.
    /// </summary>
    public static byte[] HeaderOnly(int width, int height)
    {
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[1 + (width * 3)]);
        }

        return Assemble(width, height, Rgb, 8, raw.ToArray());
    }

    private static byte[] Assemble(int width, int height, byte colorType, int bitDepth, byte[] idat)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth;
        ihdr[9] = colorType;
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", idat);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeAndData = new byte[4 + data.Length];
        System.Text.Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData, 4);
        png.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        png.Write(crc);
    }

    private static readonly uint[] s_crcTable = BuildCrcTable();

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
