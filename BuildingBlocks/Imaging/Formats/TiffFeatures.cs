using System.Buffers.Binary;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// What a TIFF's first directory asks of its decoder, read before libvips opens it: libvips reads
/// the header of a TIFF whose compression libtiff cannot decode (JPEG 2000, JPEG XL…) and fails
/// only on the pixels, which would accept the upload and then fail its render. Such a file, or one
/// of 64-bit samples (which libvips cannot hold), is refused at the probe by name.
/// </summary>
internal static class TiffFeatures
{
    private const ushort BitsPerSampleTag = 258;
    private const ushort CompressionTag = 259;

    // What the refusal calls schemes libtiff may lack; others are named by number.
    private static readonly Dictionary<int, string> s_schemeNames = new()
    {
        [6] = "old-style JPEG",
        [34661] = "JBIG",
        [34712] = "JPEG 2000",
        [34887] = "LERC",
        [34892] = "lossy JPEG (DNG)",
        [34925] = "LZMA",
        [50000] = "Zstandard",
        [50001] = "WebP",
        [50002] = "JPEG XL",
        [52546] = "JPEG XL",
    };

    /// <summary>Throws an UnsupportedFormat rejection naming the feature; a file whose structure cannot be read is left to libvips.</summary>
    public static void EnsureSupported(ByteSource bytes)
    {
        if (ReadFirstDirectory(bytes) is not var (compression, bitsPerSample))
        {
            return;
        }

        if (compression is { } scheme && !IsCodecConfigured(scheme))
        {
            var name = s_schemeNames.TryGetValue(scheme, out var known) ? $"{known} compression (scheme {scheme})" : $"compression scheme {scheme}";
            throw ImageRejectedException.Unsupported(ImageFormat.Tiff, $"TIFF with {name}");
        }

        if (bitsPerSample > 32)
        {
            throw ImageRejectedException.Unsupported(ImageFormat.Tiff, $"TIFF with {bitsPerSample}-bit samples");
        }
    }

    /// <summary>Compression and the first bits-per-sample value of the first directory (classic TIFF and BigTIFF).</summary>
    private static (int? Compression, int BitsPerSample)? ReadFirstDirectory(ByteSource bytes)
    {
        var header = bytes.Slice(0, 16);
        if (header.Length < 8)
        {
            return null;
        }

        var little = header[0] == 'I';
        var big = Read16(header[2..], little) == 43;
        if (big && header.Length < 16)
        {
            return null;
        }

        var directory = big ? (long)Read64(header[8..], little) : Read32(header[4..], little);
        var (countSize, entrySize, valueOffset) = big ? (8, 20, 12) : (2, 12, 8);
        var countBytes = bytes.Slice(directory, countSize);
        if (directory <= 0 || countBytes.Length < countSize)
        {
            return null;
        }

        var count = big ? (long)Read64(countBytes, little) : Read16(countBytes, little);
        int? compression = null;
        var bitsPerSample = 1;
        for (long i = 0; i < Math.Min(count, 4096); i++)
        {
            var entry = bytes.Slice(directory + countSize + (i * entrySize), entrySize);
            if (entry.Length < entrySize)
            {
                return null;
            }

            var tag = Read16(entry, little);
            var type = Read16(entry[2..], little);

            // SHORT values (type 3) sit first in the value field; the first of several is what decides.
            var value = type == 3 ? Read16(entry[valueOffset..], little) : (int)Math.Min(int.MaxValue, Read32(entry[valueOffset..], little));
            if (tag == CompressionTag)
            {
                compression = value;
            }
            else if (tag == BitsPerSampleTag)
            {
                bitsPerSample = FirstShort(bytes, entry, little, big) ?? bitsPerSample;
            }
        }

        return (compression, bitsPerSample);
    }

    /// <summary>The first SHORT of an entry's values: in its value field, or where the field points when they do not fit.</summary>
    private static int? FirstShort(ByteSource bytes, ReadOnlySpan<byte> entry, bool little, bool big)
    {
        var count = big ? (long)Read64(entry[4..], little) : Read32(entry[4..], little);
        var field = entry[(big ? 12 : 8)..];
        if (count * 2 <= field.Length)
        {
            return Read16(field, little);
        }

        var at = bytes.Slice(big ? (long)Read64(field, little) : Read32(field, little), 2);
        return at.Length == 2 ? Read16(at, little) : null;
    }

    private static int Read16(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(bytes) : BinaryPrimitives.ReadUInt16BigEndian(bytes);

    private static uint Read32(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : BinaryPrimitives.ReadUInt32BigEndian(bytes);

    private static ulong Read64(ReadOnlySpan<byte> bytes, bool little) =>
        little ? BinaryPrimitives.ReadUInt64LittleEndian(bytes) : BinaryPrimitives.ReadUInt64BigEndian(bytes);

    /// <summary>Asks the libtiff libvips decodes with, so the answer follows the build installed.</summary>
    private static bool IsCodecConfigured(int scheme) =>
        scheme is >= 0 and <= ushort.MaxValue && Interop.NativeMethods.TiffIsCodecConfigured((ushort)scheme) != 0;
}
