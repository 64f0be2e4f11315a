using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace Scrapbook.Upload.Api.Tests.Support;

/// <summary>Images made on the spot: PNGs written here (random pixels, so every one is new bytes), JPEGs by the vips CLI.</summary>
internal static class TestImages
{
    private static readonly byte[] s_signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly uint[] s_crcTable = BuildCrcTable();

    /// <summary>A valid RGB PNG of random pixels.</summary>
    public static byte[] Png(int width = 64, int height = 48)
    {
        using var output = new MemoryStream();
        WritePng(output, width, height, Random.Shared);
        return output.ToArray();
    }

    /// <summary>A valid, incompressible RGB PNG written straight to a file (no copy of it in memory).</summary>
    public static void PngFile(string path, int width, int height)
    {
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WritePng(output, width, height, Random.Shared);
    }

    /// <summary>A PNG whose header declares <paramref name="width"/>×<paramref name="height"/> but carries one row: a pixel bomb's header.</summary>
    public static byte[] PngBombHeader(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write(s_signature);
        WriteChunk(output, "IHDR", Ihdr(width, height));
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(new byte[1 + 3 * 1024]);
            }

            WriteChunk(output, "IDAT", compressed.ToArray());
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A JPEG of noise made by <c>vips gaussnoise</c>.</summary>
    public static Task<byte[]> JpegAsync(int width, int height, CancellationToken cancellationToken) =>
        NoiseAsync("jpg", width, height, cancellationToken);

    /// <summary>An image of noise made by <c>vips gaussnoise</c>, in the format <paramref name="suffix"/> names.</summary>
    public static async Task<byte[]> NoiseAsync(string suffix, int width, int height, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"upload-test-{Guid.NewGuid():N}.{suffix}");
        try
        {
            using var vips = Process.Start(new ProcessStartInfo("vips", ["gaussnoise", path, width.ToString(System.Globalization.CultureInfo.InvariantCulture), height.ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            await vips.WaitForExitAsync(cancellationToken);
            Assert.True(vips.ExitCode == 0, await vips.StandardError.ReadToEndAsync(cancellationToken));
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static byte[] Svg() => Encoding.UTF8.GetBytes(
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"100\"><circle cx=\"50\" cy=\"50\" r=\"40\"/></svg>");

    public static byte[] Pdf() => Encoding.ASCII.GetBytes(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

    public static byte[] Zip()
    {
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = zip.CreateEntry("photo.jpg").Open();
            entry.Write(Encoding.ASCII.GetBytes("not really a photo"));
        }

        return output.ToArray();
    }

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        bytes[0] = 0x00; // no accepted format starts with a zero byte
        return bytes;
    }

    private static void WritePng(Stream output, int width, int height, Random random)
    {
        output.Write(s_signature);
        WriteChunk(output, "IHDR", Ihdr(width, height));

        // Stored (uncompressed) deflate, so the file is as large as its pixels; split into 1 MB IDAT chunks.
        var idat = new IdatWriter(output);
        using (var zlib = new ZLibStream(idat, CompressionLevel.NoCompression, leaveOpen: true))
        {
            var row = new byte[1 + (3 * width)];
            for (var y = 0; y < height; y++)
            {
                random.NextBytes(row.AsSpan(1));
                row[0] = 0;
                zlib.Write(row);
            }
        }

        idat.Flush();
        WriteChunk(output, "IEND", []);
    }

    private static byte[] Ihdr(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        return ihdr;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, data.Length);
        Encoding.ASCII.GetBytes(type, header[4..]);
        output.Write(header);
        output.Write(data);
        var crc = Crc(Crc(0xFFFFFFFF, header[4..]), data) ^ 0xFFFFFFFF;
        Span<byte> trailer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, crc);
        output.Write(trailer);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = s_crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    /// <summary>Collects zlib output and writes it as IDAT chunks of at most 1 MB.</summary>
    private sealed class IdatWriter(Stream output) : Stream
    {
        private readonly MemoryStream _pending = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _pending.Write(buffer, offset, count);
            if (_pending.Length >= 1 << 20)
            {
                Flush();
            }
        }

        public override void Flush()
        {
            if (_pending.Length > 0)
            {
                WriteChunk(output, "IDAT", _pending.GetBuffer().AsSpan(0, (int)_pending.Length));
                _pending.SetLength(0);
            }
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
