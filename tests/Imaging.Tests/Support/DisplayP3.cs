using System.Buffers.Binary;
using System.Text;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>
/// Display P3 for the corpus: an ICC v4 matrix/TRC display profile written field by field (Debian 12 ships no P3
/// profile), and an exact P3-to-sRGB conversion from the standard matrices to check renditions against.
/// </summary>
internal static class DisplayP3
{
    /// <summary>The profile connection space's white: every ICC profile's colorants are relative to D50.</summary>
    private static readonly double[] s_d50 = [0.9642, 1.0, 0.8249];

    /// <summary>Bradford's cone response matrix (XYZ to sharpened LMS), the adaptation ICC v4 names for chad.</summary>
    private static readonly double[,] s_bradford =
    {
        { 0.8951, 0.2664, -0.1614 },
        { -0.7502, 1.7135, 0.0367 },
        { 0.0389, -0.0685, 1.0296 },
    };

    /// <summary>Display P3's linear RGB to XYZ (D65), as the standard publishes it: not derived by <see cref="IccProfile"/>.</summary>
    private static readonly double[,] s_p3ToXyz =
    {
        { 0.4865709486482162, 0.26566769316909306, 0.1982172852343625 },
        { 0.2289745640697488, 0.6917385218365064, 0.079286914093745 },
        { 0.0, 0.04511338185890264, 1.043944368900976 },
    };

    /// <summary>XYZ (D65) to sRGB's linear RGB, as the standard publishes it.</summary>
    private static readonly double[,] s_xyzToSrgb =
    {
        { 3.2409699419045226, -1.537383177570094, -0.4986107602930034 },
        { -0.9692436362808796, 1.8759675015077202, 0.04155505740717559 },
        { 0.05563007969699366, -0.20397695888897652, 1.0569715142428786 },
    };

    /// <summary>
    /// An ICC v4.3 RGB display profile: P3 primaries (red 0.680/0.320, green 0.265/0.690, blue 0.150/0.060), D65
    /// white, sRGB's transfer curve. Tags: desc, cprt, wtpt, chad, rXYZ/gXYZ/bXYZ, rTRC/gTRC/bTRC.
    /// </summary>
    public static byte[] IccProfile()
    {
        var (colorants, adaptation) = Colorants();
        var curve = SrgbCurve();
        (string Signature, byte[] Data)[] tags =
        [
            ("desc", Mluc("Display P3 (written by Scrapbook's tests)")),
            ("cprt", Mluc("No copyright, use freely")),
            // v4: a display profile's media white is the PCS white; the display's own white is recovered through chad.
            ("wtpt", Xyz(s_d50[0], s_d50[1], s_d50[2])),
            ("chad", Sf32(adaptation)),
            ("rXYZ", Xyz(colorants[0, 0], colorants[1, 0], colorants[2, 0])),
            ("gXYZ", Xyz(colorants[0, 1], colorants[1, 1], colorants[2, 1])),
            ("bXYZ", Xyz(colorants[0, 2], colorants[1, 2], colorants[2, 2])),
            ("rTRC", curve),
            ("gTRC", curve),
            ("bTRC", curve),
        ];

        var tableEnd = 128 + 4 + (12 * tags.Length);
        var offsets = new int[tags.Length];
        var size = tableEnd;
        for (var i = 0; i < tags.Length; i++)
        {
            offsets[i] = size;
            size = Align4(size + tags[i].Data.Length);
        }

        var profile = new byte[size];
        var header = profile.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(header, size);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], 0x04300000); // version 4.3
        Encoding.ASCII.GetBytes("mntrRGB XYZ ", header[12..]);
        ushort[] created = [2024, 1, 1, 0, 0, 0];
        for (var i = 0; i < created.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header[(24 + (2 * i))..], created[i]);
        }

        Encoding.ASCII.GetBytes("acsp", header[36..]);
        // Rendering intent 0 (perceptual), no flags, no profile ID (all zero: "not calculated", which v4 allows).
        WriteXyz(header[68..], s_d50[0], s_d50[1], s_d50[2]);

        BinaryPrimitives.WriteInt32BigEndian(header[128..], tags.Length);
        for (var i = 0; i < tags.Length; i++)
        {
            var entry = header[(132 + (12 * i))..];
            Encoding.ASCII.GetBytes(tags[i].Signature, entry);
            BinaryPrimitives.WriteInt32BigEndian(entry[4..], offsets[i]);
            BinaryPrimitives.WriteInt32BigEndian(entry[8..], tags[i].Data.Length);
            tags[i].Data.CopyTo(profile, offsets[i]);
        }

        return profile;
    }

    /// <summary>What an exact conversion makes of an 8-bit P3 colour in 8-bit sRGB (0–255, unrounded), clipped to sRGB's gamut.</summary>
    public static (double R, double G, double B) ToSrgb((double R, double G, double B) p3)
    {
        // Both spaces are D65, so XYZ passes from one to the other without adaptation.
        var linear = Multiply(s_xyzToSrgb, Multiply(s_p3ToXyz, [Decode(p3.R), Decode(p3.G), Decode(p3.B)]));
        return (Encode(linear[0]), Encode(linear[1]), Encode(linear[2]));
    }

    /// <summary>
    /// The profile's colorants (columns: red, green, blue XYZ under D50) and the D65-to-D50 adaptation (chad).
    /// </summary>
    private static (double[,] Colorants, double[,] Adaptation) Colorants()
    {
        // A chromaticity fixes a primary's direction in XYZ but not its strength. Taking each at Y = 1, the strengths
        // S are the ones that make full red + green + blue (1, 1, 1) land on the white point: solve P·S = W. The
        // columns of P·diag(S) are then the primaries' XYZ under D65.
        double[,] primaries =
        {
            { 0.680 / 0.320, 0.265 / 0.690, 0.150 / 0.060 },
            { 1, 1, 1 },
            { (1 - 0.680 - 0.320) / 0.320, (1 - 0.265 - 0.690) / 0.690, (1 - 0.150 - 0.060) / 0.060 },
        };
        double[] d65 = [0.3127 / 0.3290, 1, (1 - 0.3127 - 0.3290) / 0.3290];
        var strengths = Multiply(Invert(primaries), d65);
        var underD65 = new double[3, 3];
        for (var row = 0; row < 3; row++)
        {
            for (var column = 0; column < 3; column++)
            {
                underD65[row, column] = primaries[row, column] * strengths[column];
            }
        }

        // ICC's connection space is D50, so the colorants must be what the primaries look like to an observer adapted
        // to D50, or the display's white would arrive bluish instead of as the PCS white. Bradford adapts by scaling
        // cone responses: into LMS, scale each by D50's response over D65's, back to XYZ.
        var d65Cones = Multiply(s_bradford, d65);
        var d50Cones = Multiply(s_bradford, s_d50);
        var scale = new double[3, 3];
        for (var i = 0; i < 3; i++)
        {
            scale[i, i] = d50Cones[i] / d65Cones[i];
        }

        var adaptation = Multiply(Invert(s_bradford), Multiply(scale, s_bradford));
        return (Multiply(adaptation, underD65), adaptation);
    }

    /// <summary>sRGB's piecewise curve as a parametric curve of type 3: Y = (aX + b)^g from X = d, Y = cX below.</summary>
    private static byte[] SrgbCurve()
    {
        var curve = new byte[12 + (5 * 4)];
        Encoding.ASCII.GetBytes("para", curve);
        BinaryPrimitives.WriteUInt16BigEndian(curve.AsSpan(8), 3);
        double[] parameters = [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045];
        for (var i = 0; i < parameters.Length; i++)
        {
            WriteFixed(curve.AsSpan(12 + (4 * i)), parameters[i]);
        }

        return curve;
    }

    /// <summary>A multiLocalizedUnicodeType with one en-US record.</summary>
    private static byte[] Mluc(string text)
    {
        var utf16 = Encoding.BigEndianUnicode.GetBytes(text);
        var tag = new byte[28 + utf16.Length];
        Encoding.ASCII.GetBytes("mluc", tag);
        BinaryPrimitives.WriteInt32BigEndian(tag.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32BigEndian(tag.AsSpan(12), 12);
        Encoding.ASCII.GetBytes("enUS", tag.AsSpan(16));
        BinaryPrimitives.WriteInt32BigEndian(tag.AsSpan(20), utf16.Length);
        BinaryPrimitives.WriteInt32BigEndian(tag.AsSpan(24), 28);
        utf16.CopyTo(tag, 28);
        return tag;
    }

    private static byte[] Xyz(double x, double y, double z)
    {
        var tag = new byte[20];
        Encoding.ASCII.GetBytes("XYZ ", tag);
        WriteXyz(tag.AsSpan(8), x, y, z);
        return tag;
    }

    /// <summary>An s15Fixed16ArrayType of a 3×3 matrix, row by row.</summary>
    private static byte[] Sf32(double[,] matrix)
    {
        var tag = new byte[8 + (9 * 4)];
        Encoding.ASCII.GetBytes("sf32", tag);
        for (var i = 0; i < 9; i++)
        {
            WriteFixed(tag.AsSpan(8 + (4 * i)), matrix[i / 3, i % 3]);
        }

        return tag;
    }

    private static void WriteXyz(Span<byte> destination, double x, double y, double z)
    {
        WriteFixed(destination, x);
        WriteFixed(destination[4..], y);
        WriteFixed(destination[8..], z);
    }

    private static void WriteFixed(Span<byte> destination, double value) =>
        BinaryPrimitives.WriteInt32BigEndian(destination, checked((int)Math.Round(value * 65536)));

    private static int Align4(int value) => (value + 3) & ~3;

    private static double Decode(double encoded)
    {
        var v = encoded / 255;
        return v <= 0.04045 ? v / 12.92 : Math.Pow((v + 0.055) / 1.055, 2.4);
    }

    private static double Encode(double linear)
    {
        var v = Math.Clamp(linear, 0, 1);
        return 255 * (v <= 0.0031308 ? 12.92 * v : (1.055 * Math.Pow(v, 1 / 2.4)) - 0.055);
    }

    private static double[] Multiply(double[,] m, double[] v) =>
    [
        (m[0, 0] * v[0]) + (m[0, 1] * v[1]) + (m[0, 2] * v[2]),
        (m[1, 0] * v[0]) + (m[1, 1] * v[1]) + (m[1, 2] * v[2]),
        (m[2, 0] * v[0]) + (m[2, 1] * v[1]) + (m[2, 2] * v[2]),
    ];

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        var product = new double[3, 3];
        for (var row = 0; row < 3; row++)
        {
            for (var column = 0; column < 3; column++)
            {
                product[row, column] = (a[row, 0] * b[0, column]) + (a[row, 1] * b[1, column]) + (a[row, 2] * b[2, column]);
            }
        }

        return product;
    }

    /// <summary>The inverse by cofactors over the determinant (3×3 and well conditioned here).</summary>
    private static double[,] Invert(double[,] m)
    {
        var cofactors = new double[3, 3];
        for (var row = 0; row < 3; row++)
        {
            for (var column = 0; column < 3; column++)
            {
                int r0 = (row + 1) % 3, r1 = (row + 2) % 3, c0 = (column + 1) % 3, c1 = (column + 2) % 3;
                cofactors[row, column] = (m[r0, c0] * m[r1, c1]) - (m[r0, c1] * m[r1, c0]);
            }
        }

        var determinant = (m[0, 0] * cofactors[0, 0]) + (m[0, 1] * cofactors[0, 1]) + (m[0, 2] * cofactors[0, 2]);
        var inverse = new double[3, 3];
        for (var row = 0; row < 3; row++)
        {
            for (var column = 0; column < 3; column++)
            {
                inverse[row, column] = cofactors[column, row] / determinant; // the adjugate is the cofactors transposed
            }
        }

        return inverse;
    }
}
