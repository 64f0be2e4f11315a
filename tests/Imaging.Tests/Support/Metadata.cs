using System.Buffers.Binary;
using System.Text;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Lists the metadata containers an encoded rendition carries, by walking its structure.</summary>
internal static class Metadata
{
    /// <summary>WebP chunks (RIFF fourccs) or JPEG markers, e.g. "VP8 ", "EXIF", "XMP ", "APP1:Exif", "APP2:ICC".</summary>
    public static IReadOnlyList<string> Containers(ReadOnlySpan<byte> encoded)
    {
        var found = new List<string>();
        if (encoded.StartsWith("RIFF"u8))
        {
            for (var offset = 12; offset + 8 <= encoded.Length;)
            {
                var fourcc = Encoding.ASCII.GetString(encoded.Slice(offset, 4));
                var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(encoded[(offset + 4)..]);
                found.Add(fourcc);
                if (fourcc == "VP8X" && (encoded[offset + 8] & 0b0010_1100) != 0)
                {
                    found.Add("VP8X:metadata-flags");
                }

                offset += 8 + size + (size & 1);
            }

            return found;
        }

        if (encoded.Length > 2 && encoded[0] == 0xFF && encoded[1] == 0xD8)
        {
            for (var offset = 2; offset + 4 <= encoded.Length && encoded[offset] == 0xFF;)
            {
                var marker = encoded[offset + 1];
                if (marker == 0xDA)
                {
                    break; // start of scan: no more metadata segments
                }

                var length = BinaryPrimitives.ReadUInt16BigEndian(encoded[(offset + 2)..]);
                var payload = encoded.Slice(offset + 4, Math.Min(length - 2, 32));
                var name = marker switch
                {
                    0xE1 when payload.StartsWith("Exif"u8) => "APP1:Exif",
                    0xE1 => "APP1:XMP",
                    0xE2 when payload.StartsWith("ICC_PROFILE"u8) => "APP2:ICC",
                    0xED => "APP13:IPTC",
                    0xFE => "COM",
                    _ => $"FF{marker:X2}",
                };
                found.Add(name);
                offset += 2 + length;
            }

            return found;
        }

        throw new ArgumentException("Neither WebP nor JPEG.", nameof(encoded));
    }

    public static bool Contains(ReadOnlySpan<byte> data, string text) => data.IndexOf(Encoding.ASCII.GetBytes(text)) >= 0;
}
