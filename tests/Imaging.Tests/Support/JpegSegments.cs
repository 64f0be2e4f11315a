using System.Buffers.Binary;
using System.Text;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>Builds the APP1 (EXIF, XMP) and COM segments the tests put into JPEGs, and inserts them after SOI.</summary>
internal static class JpegSegments
{
    public const string CameraMake = "ScrapbookTestCam";
    public const string XmpSecret = "scrapbook-xmp-home-address";

    public static byte[] Insert(byte[] jpeg, params byte[][] segments)
    {
        if (jpeg.Length < 2 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw new ArgumentException("Not a JPEG.", nameof(jpeg));
        }

        using var output = new MemoryStream();
        output.Write(jpeg, 0, 2);
        foreach (var segment in segments)
        {
            output.Write(segment);
        }

        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    /// <summary>An EXIF APP1 with Make and Orientation in IFD0, and optionally a GPS IFD with a latitude and longitude.</summary>
    public static byte[] Exif(int orientation, bool gps = false)
    {
        // Little-endian TIFF: header, IFD0, then the GPS IFD and the values that do not fit in 4 bytes.
        var tiff = new byte[512];
        "II"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(2), 42);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);

        var ifd0Entries = gps ? 3 : 2;
        var ifd0Size = 2 + (ifd0Entries * 12) + 4;
        var dataOffset = 8 + ifd0Size;
        var makeOffset = dataOffset;
        var make = Encoding.ASCII.GetBytes(CameraMake + "\0");
        make.CopyTo(tiff, makeOffset);
        var gpsIfdOffset = makeOffset + make.Length + (make.Length % 2);

        var entry = 10;
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), (ushort)ifd0Entries);
        WriteEntry(tiff, ref entry, 0x010F, 2, (uint)make.Length, (uint)makeOffset); // Make
        WriteEntry(tiff, ref entry, 0x0112, 3, 1, (uint)orientation); // Orientation
        if (gps)
        {
            WriteEntry(tiff, ref entry, 0x8825, 4, 1, (uint)gpsIfdOffset); // GPS IFD pointer
        }

        var length = gpsIfdOffset;
        if (gps)
        {
            const int gpsEntries = 5;
            var values = gpsIfdOffset + 2 + (gpsEntries * 12) + 4;
            var latitude = values;
            var longitude = values + 24;
            WriteRationals(tiff, latitude, (48, 1), (51, 1), (2964, 100)); // 48°51'29.64"
            WriteRationals(tiff, longitude, (2, 1), (17, 1), (4020, 100)); // 2°17'40.20"
            var gpsEntry = gpsIfdOffset + 2;
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(gpsIfdOffset), gpsEntries);
            WriteEntry(tiff, ref gpsEntry, 0x0000, 1, 4, 0x00000302); // GPSVersionID 2.3.0.0
            WriteEntry(tiff, ref gpsEntry, 0x0001, 2, 2, 'N'); // GPSLatitudeRef
            WriteEntry(tiff, ref gpsEntry, 0x0002, 5, 3, (uint)latitude); // GPSLatitude
            WriteEntry(tiff, ref gpsEntry, 0x0003, 2, 2, 'E'); // GPSLongitudeRef
            WriteEntry(tiff, ref gpsEntry, 0x0004, 5, 3, (uint)longitude); // GPSLongitude
            length = longitude + 24;
        }

        return Segment(0xE1, [.. "Exif\0\0"u8, .. tiff.AsSpan(0, length)]);
    }

    public static byte[] Xmp() =>
        Segment(0xE1, [.. "http://ns.adobe.com/xap/1.0/\0"u8, .. Encoding.UTF8.GetBytes(
            "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?><x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            + $"<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\" dc:description=\"{XmpSecret}\"/></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")]);

    public static byte[] Comment(string text) => Segment(0xFE, Encoding.ASCII.GetBytes(text));

    /// <summary>An APP1 carrying the bytes of a tiny JPEG (SOI … EOI), as a camera's EXIF thumbnail does.</summary>
    public static byte[] EmbeddedThumbnail() =>
        Segment(0xE1, [.. "Exif\0\0"u8, 0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x03, 0x00, 0xFF, 0xD9]);

    private static byte[] Segment(byte marker, byte[] payload)
    {
        var segment = new byte[4 + payload.Length];
        segment[0] = 0xFF;
        segment[1] = marker;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), checked((ushort)(payload.Length + 2)));
        payload.CopyTo(segment, 4);
        return segment;
    }

    private static void WriteEntry(byte[] tiff, ref int offset, ushort tag, ushort type, uint count, uint value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(offset), tag);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(offset + 2), type);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(offset + 4), count);
        if (type == 3 && count == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(offset + 8), (ushort)value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(offset + 8), value);
        }

        offset += 12;
    }

    private static void WriteRationals(byte[] tiff, int offset, params (uint Numerator, uint Denominator)[] values)
    {
        foreach (var (numerator, denominator) in values)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(offset), numerator);
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(offset + 4), denominator);
            offset += 8;
        }
    }
}
