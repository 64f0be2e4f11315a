namespace Scrapbook.Imaging.Tests.Support;

/// <summary>
/// Writes animated GIFs: a logical screen of any size and any number of 1×1 frames. Decoding every
/// frame would composite each onto the whole screen, which is what makes many frames a memory bomb.
/// </summary>
internal static class GifWriter
{
    public static byte[] Animated(int screenWidth, int screenHeight, int frames)
    {
        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        WriteUInt16(gif, screenWidth);
        WriteUInt16(gif, screenHeight);
        gif.WriteByte(0b1000_0000); // global colour table of 2 entries
        gif.WriteByte(0);
        gif.WriteByte(0);
        gif.Write([0xFF, 0x20, 0x20, 0x20, 0x20, 0xFF]); // red, dark grey

        // NETSCAPE2.0: loop forever.
        gif.Write([0x21, 0xFF, 0x0B]);
        gif.Write("NETSCAPE2.0"u8);
        gif.Write([0x03, 0x01, 0x00, 0x00, 0x00]);

        for (var i = 0; i < frames; i++)
        {
            gif.Write([0x21, 0xF9, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00]); // graphic control: 20 ms
            gif.WriteByte(0x2C);
            WriteUInt16(gif, i % screenWidth);
            WriteUInt16(gif, 0);
            WriteUInt16(gif, 1);
            WriteUInt16(gif, 1);
            gif.WriteByte(0);

            // LZW, minimum code size 2: CLEAR(4), index (i % 2), END(5), 3 bits each.
            gif.WriteByte(2);
            var index = i % 2;
            var bits = 4 | (index << 3) | (5 << 6);
            gif.Write([0x02, (byte)(bits & 0xFF), (byte)(bits >> 8), 0x00]);
        }

        gif.WriteByte(0x3B);
        return gif.ToArray();
    }

    private static void WriteUInt16(Stream stream, int value)
    {
        stream.WriteByte((byte)(value & 0xFF));
        stream.WriteByte((byte)(value >> 8));
    }
}
