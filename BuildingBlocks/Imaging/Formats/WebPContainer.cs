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

    public static byte[] StripMetadata(byte[] webp)
    {
        if (webp.Length < 12 || !webp.AsSpan().StartsWith("RIFF"u8) || !webp.AsSpan(8, 4).SequenceEqual("WEBP"u8))
        {
            throw new VipsException("webpsave produced something that is not a WebP file.");
        }

        using var output = new MemoryStream(webp.Length);
        output.Write(webp, 0, 12);
        for (var offset = 12; offset + 8 <= webp.Length;)
        {
            var fourcc = webp.AsSpan(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(webp.AsSpan(offset + 4));
            var chunkLength = 8 + (long)size + (size & 1);
            if (offset + chunkLength > webp.Length)
            {
                throw new VipsException("webpsave produced a truncated WebP chunk.");
            }

            var isMetadata = fourcc.SequenceEqual("EXIF"u8) || fourcc.SequenceEqual("XMP "u8) || fourcc.SequenceEqual("ICCP"u8);
            if (!isMetadata)
            {
                var start = (int)output.Position;
                output.Write(webp, offset, (int)chunkLength);
                if (fourcc.SequenceEqual("VP8X"u8))
                {
                    output.GetBuffer()[start + 8] &= unchecked((byte)~MetadataFlags);
                }
            }

            offset += (int)chunkLength;
        }

        var result = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        return result;
    }
}
