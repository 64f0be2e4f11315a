using System.Buffers.Binary;
using System.Text;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// Decides an image's format from its first bytes, never from a name or a declared type. Only
/// what this says is accepted ever reaches a decoder, and then only that format's decoder.
/// </summary>
internal static class FormatSniffer
{
    /// <summary>How many leading bytes <see cref="Sniff"/> wants (fewer is fine for short files).</summary>
    public const int HeaderLength = 512;

    private static readonly string[] s_heicBrands = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"];
    private static readonly string[] s_avifBrands = ["avif", "avis"];

    /// <summary>The accepted format, or an UnsupportedFormat rejection naming what the bytes look like.</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ImageFormat.Jpeg;
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8))
        {
            return ImageFormat.Gif;
        }

        if (header.Length >= 12 && header.StartsWith("RIFF"u8) && header[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        // Classic TIFF and BigTIFF, both byte orders.
        if (header.StartsWith("II*\0"u8) || header.StartsWith("MM\0*"u8) || header.StartsWith("II+\0"u8) || header.StartsWith("MM\0+"u8))
        {
            return ImageFormat.Tiff;
        }

        if (IsoBrand(header) is { } isoFormat)
        {
            return isoFormat;
        }

        if (IsBmp(header))
        {
            return ImageFormat.Bmp;
        }

        throw ImageRejectedException.Unsupported(Describe(header));
    }

    /// <summary>HEIF and AVIF are ISO-BMFF files whose ftyp box names an image brand; MP4/MOV name video brands.</summary>
    private static ImageFormat? IsoBrand(ReadOnlySpan<byte> header)
    {
        if (header.Length < 16 || !header[4..8].SequenceEqual("ftyp"u8))
        {
            return null;
        }

        var boxSize = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (boxSize < 16 || boxSize % 4 != 0)
        {
            return null;
        }

        var end = (int)Math.Min(boxSize, (uint)header.Length);
        var brands = new List<string> { Encoding.ASCII.GetString(header[8..12]) };
        for (var offset = 16; offset + 4 <= end; offset += 4)
        {
            brands.Add(Encoding.ASCII.GetString(header.Slice(offset, 4)));
        }

        // AVIF files also list mif1: the AV1 brand decides.
        if (brands.Exists(b => s_avifBrands.Contains(b)))
        {
            return ImageFormat.Avif;
        }

        if (s_heicBrands.Contains(brands[0]) || brands.Exists(b => b is "heic" or "heix"))
        {
            return ImageFormat.Heif;
        }

        return null;
    }

    /// <summary>"BM", zero reserved words, and a DIB header size that names a known BMP version.</summary>
    private static bool IsBmp(ReadOnlySpan<byte> header)
    {
        if (header.Length < 18 || header[0] != 'B' || header[1] != 'M')
        {
            return false;
        }

        var reserved = BinaryPrimitives.ReadUInt32LittleEndian(header[6..]);
        var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(header[14..]);
        return reserved == 0 && dibSize is 12 or 40 or 52 or 56 or 108 or 124;
    }

    /// <summary>A hint for the rejection message: what the bytes most likely are.</summary>
    private static string Describe(ReadOnlySpan<byte> header)
    {
        if (header.IsEmpty)
        {
            return "empty file";
        }

        if (header.StartsWith("%PDF"u8))
        {
            return "looks like PDF";
        }

        if (header.StartsWith("PK\u0003\u0004"u8) || header.StartsWith("PK\u0005\u0006"u8))
        {
            return "looks like a ZIP archive";
        }

        if (header.StartsWith("8BPS"u8))
        {
            return "looks like Photoshop PSD";
        }

        if (header.Length >= 8 && header[4..8].SequenceEqual("ftyp"u8))
        {
            return $"looks like ISO media '{Encoding.ASCII.GetString(header.Slice(8, Math.Min(4, header.Length - 8)))}' (video or an unsupported brand)";
        }

        var text = Encoding.ASCII.GetString(header).TrimStart('\uFEFF', ' ', '\t', '\r', '\n').ToLowerInvariant();
        if (text.StartsWith("<svg", StringComparison.Ordinal) || (text.StartsWith("<?xml", StringComparison.Ordinal) && text.Contains("<svg", StringComparison.Ordinal)))
        {
            return "looks like SVG";
        }

        if (text.StartsWith("<!doctype html", StringComparison.Ordinal) || text.StartsWith("<html", StringComparison.Ordinal))
        {
            return "looks like HTML";
        }

        if (text.StartsWith('<'))
        {
            return "looks like markup";
        }

        return "unrecognised content";
    }
}
