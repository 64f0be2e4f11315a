using System.Buffers.Binary;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// Rewrites a WebP's RIFF container without its metadata chunks. libvips 8.14.1's webpsave writes
/// an EXIF chunk even with strip set, so renditions are cleaned here, after encoding, by structure.
/// </summary>
internal static class WebPContainer
{
    // VP8X flag bits: ICC profile, EXIF, XMP.
    private const byte MetadataFlags = 0x20 | 0x08 | 0x04;

    /// <summary>
    /// The WebP without EXIF, XMP and ICCP chunks, read in place (the encoder's native buffer) and
    /// written once into the returned array: one pass to validate and size, one to copy.
    /// </summary>
    public static byte[] StripMetadata(ReadOnlySpan<byte> webp)
    {
        if (webp.Length < 12 || !webp.StartsWith("RIFF"u8) || !webp.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            throw new VipsException("webpsave produced something that is not a WebP file.");
        }

        var length = 12;
        for (var offset = 12; offset + 8 <= webp.Length;)
        {
            var chunkLength = ChunkLength(webp, offset);
            if (!IsMetadata(webp.Slice(offset, 4)))
            {
                length += chunkLength;
            }

            offset += chunkLength;
        }

        var result = GC.AllocateUninitializedArray<byte>(length);
        webp[..12].CopyTo(result);
        var written = 12;
        for (var offset = 12; offset + 8 <= webp.Length;)
        {
            var chunkLength = ChunkLength(webp, offset);
            var fourcc = webp.Slice(offset, 4);
            if (!IsMetadata(fourcc))
            {
                webp.Slice(offset, chunkLength).CopyTo(result.AsSpan(written));
                if (fourcc.SequenceEqual("VP8X"u8))
                {
                    result[written + 8] &= unchecked((byte)~MetadataFlags);
                }

                written += chunkLength;
            }

            offset += chunkLength;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(length - 8));
        return result;
    }

    private static int ChunkLength(ReadOnlySpan<byte> webp, int offset)
    {
        var size = BinaryPrimitives.ReadUInt32LittleEndian(webp[(offset + 4)..]);
        var chunkLength = 8 + (long)size + (size & 1);
        if (offset + chunkLength > webp.Length)
        {
            throw new VipsException("webpsave produced a truncated WebP chunk.");
        }

        return (int)chunkLength;
    }

    private static bool IsMetadata(ReadOnlySpan<byte> fourcc) =>
        fourcc.SequenceEqual("EXIF"u8) || fourcc.SequenceEqual("XMP "u8) || fourcc.SequenceEqual("ICCP"u8);
}
