using System.Buffers.Binary;

namespace Scrapbook.Testing;

/// <summary>Edits of little-endian classic TIFFs (what the vips CLI writes), for variants no tool here writes.</summary>
public static class TiffFiles
{
    /// <summary>
    /// The same file with its first directory's Compression tag set to <paramref name="scheme"/>
    /// (e.g. 34712, JPEG 2000): the header still reads, the pixels cannot be decoded here.
    /// </summary>
    public static byte[] WithCompression(byte[] tiff, ushort scheme)
    {
        if (tiff is not [(byte)'I', (byte)'I', 42, 0, ..])
        {
            throw new ArgumentException("Not a little-endian classic TIFF.", nameof(tiff));
        }

        var copy = (byte[])tiff.Clone();
        var directory = (int)BinaryPrimitives.ReadUInt32LittleEndian(copy.AsSpan(4));
        var count = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(directory));
        for (var i = 0; i < count; i++)
        {
            var entry = copy.AsSpan(directory + 2 + (i * 12), 12);
            if (BinaryPrimitives.ReadUInt16LittleEndian(entry) == 259)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(entry[8..], scheme);
                return copy;
            }
        }

        throw new ArgumentException("The TIFF has no Compression tag.", nameof(tiff));
    }
}
