using System.Buffers.Binary;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// Whether a JPEG, PNG or GIF reaches its format's end marker: a cheap structural walk, no pixel
/// decode, so a truncated upload is refused at probe time rather than at render. Other formats
/// (WebP, TIFF, HEIF, AVIF, BMP) are left to their decoders.
/// </summary>
/// <remarks>
/// <para>JPEG: an end-of-image marker (FFD9) must follow the first scan (SOS). Segments before the
/// scan are skipped by their lengths, so the EOI of an EXIF thumbnail inside APP1 never counts.
/// Data after the EOI is allowed (padding, Samsung trailers, MPF secondary images, motion-photo
/// video): the last 1 MB is searched for the EOI first; if it is not there, the scan data is walked
/// marker by marker from the SOS (bounded by the input, itself bounded by MaxBytes). Stuffed entropy
/// data cannot contain FFD9, so a file cut inside its scan has none after the SOS.</para>
/// <para>PNG: the chunk walk from the signature must reach IEND (data after IEND is ignored, as
/// libpng does). GIF: the block walk must reach the trailer (0x3B).</para>
/// </remarks>
internal static class TruncationCheck
{
    /// <summary>How far from the end a JPEG's EOI is looked for before walking the scan data.</summary>
    internal const int JpegTrailerWindow = 1024 * 1024;

    private static ReadOnlySpan<byte> EndOfImage => [0xFF, 0xD9];

    private static ReadOnlySpan<byte> IendChunk => [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    /// <summary>Throws a Corrupt rejection ("the file is truncated: …") when the end marker is missing.</summary>
    public static void EnsureComplete(ImageFormat format, ByteSource bytes)
    {
        var problem = format switch
        {
            ImageFormat.Jpeg => JpegProblem(bytes),
            ImageFormat.Png => PngProblem(bytes),
            ImageFormat.Gif => GifProblem(bytes),
            _ => null,
        };
        if (problem is not null)
        {
            throw ImageRejectedException.Corrupt(format, $"the file is truncated: {problem}");
        }
    }

    private static string? JpegProblem(ByteSource bytes)
    {
        var scan = NextJpegMarker(bytes, 2, stopAtScan: true);
        if (scan < 0 || bytes[scan + 1] != 0xDA)
        {
            return "the JPEG ends before its image data.";
        }

        var tail = Math.Max(scan + 2, bytes.Length - JpegTrailerWindow);
        if (bytes.LastIndexOf(EndOfImage, tail) >= 0)
        {
            return null;
        }

        var end = NextJpegMarker(bytes, scan, stopAtScan: false);
        return end >= 0 ? null : "the JPEG has no end-of-image marker (FFD9) after its image data.";
    }

    /// <summary>
    /// From <paramref name="position"/>, the position of the next EOI — or of the next SOS when
    /// <paramref name="stopAtScan"/> — skipping marker segments by their lengths and entropy-coded
    /// data by its byte stuffing (FF00) and restart markers; -1 when the data ends first.
    /// </summary>
    private static long NextJpegMarker(ByteSource bytes, long position, bool stopAtScan)
    {
        while (true)
        {
            var at = bytes.IndexOf(0xFF, position);
            if (at < 0)
            {
                return -1;
            }

            var marker = bytes[at + 1];
            switch (marker)
            {
                case -1:
                    return -1;
                case 0xFF:
                    position = at + 1; // fill byte
                    continue;
                case 0x00 or 0x01 or (>= 0xD0 and <= 0xD8):
                    position = at + 2; // stuffing, TEM, RSTn, SOI: no length
                    continue;
                case 0xD9:
                    return at;
                case 0xDA when stopAtScan:
                    return at;
            }

            var high = bytes[at + 2];
            var low = bytes[at + 3];
            if (low < 0)
            {
                return -1;
            }

            position = at + 2 + ((high << 8) | low);
        }
    }

    private static string? PngProblem(ByteSource bytes)
    {
        if (bytes.Length >= 8 + IendChunk.Length && bytes.Slice(bytes.Length - IendChunk.Length, IendChunk.Length).SequenceEqual(IendChunk))
        {
            return null;
        }

        for (long position = 8; position + 8 <= bytes.Length;)
        {
            var header = bytes.Slice(position, 8);
            if (header.Length < 8)
            {
                break;
            }

            if (header[4..].SequenceEqual("IEND"u8))
            {
                return null;
            }

            position += 12L + BinaryPrimitives.ReadUInt32BigEndian(header);
        }

        return "the PNG has no IEND chunk.";
    }

    private static string? GifProblem(ByteSource bytes)
    {
        const string Missing = "the GIF ends before its trailer (0x3B).";
        var screenFlags = bytes[10];
        if (screenFlags < 0)
        {
            return Missing;
        }

        long position = 13 + ColourTableLength(screenFlags);
        while (true)
        {
            switch (bytes[position])
            {
                case 0x3B:
                    return null;
                case 0x21: // extension: label, then sub-blocks
                    position = SkipSubBlocks(bytes, position + 2);
                    break;
                case 0x2C: // image: descriptor, local colour table, LZW code size, then sub-blocks
                    var imageFlags = bytes[position + 9];
                    if (imageFlags < 0)
                    {
                        return Missing;
                    }

                    position = SkipSubBlocks(bytes, position + 10 + ColourTableLength(imageFlags) + 1);
                    break;
                case -1:
                    return Missing;
                default:
                    // Not a block a GIF may hold here: malformed rather than cut short; the decoder judges.
                    return null;
            }

            if (position < 0)
            {
                return Missing;
            }
        }
    }

    private static int ColourTableLength(int flags) => (flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0;

    /// <summary>The position after a run of sub-blocks and its zero terminator, or -1 when the data ends first.</summary>
    private static long SkipSubBlocks(ByteSource bytes, long position)
    {
        while (true)
        {
            var size = bytes[position];
            if (size < 0)
            {
                return -1;
            }

            position += 1 + size;
            if (size == 0)
            {
                return position;
            }
        }
    }
}
