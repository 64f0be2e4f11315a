namespace Scrapbook.Imaging;

/// <summary>
/// ThumbHash (Evan Wallace's image placeholder format): a DCT of the image's luminance, two
/// chroma channels and alpha, quantised into about 25 bytes that a client expands into a blurred
/// preview. Written from the format's public description.
/// </summary>
public static class ThumbHash
{
    /// <summary>The encoder's input size limit: a larger image adds no detail to a 25-byte hash.</summary>
    public const int MaxSide = 100;

    /// <summary>Encodes an RGBA (8 bits per channel, unpremultiplied) image of at most 100×100.</summary>
    public static byte[] FromRgba(int width, int height, ReadOnlySpan<byte> rgba)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, MaxSide);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, MaxSide);
        if (rgba.Length != width * height * 4)
        {
            throw new ArgumentException($"Expected {width * height * 4} RGBA bytes, got {rgba.Length}.", nameof(rgba));
        }

        var count = width * height;

        // The average colour, weighted by alpha: transparent pixels are composited over it below.
        double avgR = 0, avgG = 0, avgB = 0, avgA = 0;
        for (var i = 0; i < count; i++)
        {
            var alpha = rgba[(i * 4) + 3] / 255.0;
            avgR += alpha / 255.0 * rgba[i * 4];
            avgG += alpha / 255.0 * rgba[(i * 4) + 1];
            avgB += alpha / 255.0 * rgba[(i * 4) + 2];
            avgA += alpha;
        }

        if (avgA > 0)
        {
            avgR /= avgA;
            avgG /= avgA;
            avgB /= avgA;
        }

        var hasAlpha = avgA < count;
        var luminanceLimit = hasAlpha ? 5 : 7; // fewer luminance terms leave room for alpha
        var longest = Math.Max(width, height);
        var lx = Math.Max(1, (int)Math.Round(luminanceLimit * width / (double)longest, MidpointRounding.AwayFromZero));
        var ly = Math.Max(1, (int)Math.Round(luminanceLimit * height / (double)longest, MidpointRounding.AwayFromZero));

        var l = new double[count];
        var p = new double[count];
        var q = new double[count];
        var a = new double[count];
        for (var i = 0; i < count; i++)
        {
            var alpha = rgba[(i * 4) + 3] / 255.0;
            var r = (avgR * (1 - alpha)) + (alpha / 255.0 * rgba[i * 4]);
            var g = (avgG * (1 - alpha)) + (alpha / 255.0 * rgba[(i * 4) + 1]);
            var b = (avgB * (1 - alpha)) + (alpha / 255.0 * rgba[(i * 4) + 2]);
            l[i] = (r + g + b) / 3;
            p[i] = ((r + g) / 2) - b;
            q[i] = r - g;
            a[i] = alpha;
        }

        var (lDc, lAc, lScale) = EncodeChannel(l, width, height, Math.Max(3, lx), Math.Max(3, ly));
        var (pDc, pAc, pScale) = EncodeChannel(p, width, height, 3, 3);
        var (qDc, qAc, qScale) = EncodeChannel(q, width, height, 3, 3);
        var (aDc, aAc, aScale) = hasAlpha ? EncodeChannel(a, width, height, 5, 5) : (0, [], 0);

        var isLandscape = width > height;
        var header24 = Round(63 * lDc)
            | (Round(31.5 + (31.5 * pDc)) << 6)
            | (Round(31.5 + (31.5 * qDc)) << 12)
            | (Round(31 * lScale) << 18)
            | ((hasAlpha ? 1 : 0) << 23);
        var header16 = (isLandscape ? ly : lx)
            | (Round(63 * pScale) << 3)
            | (Round(63 * qScale) << 9)
            | ((isLandscape ? 1 : 0) << 15);

        var acStart = hasAlpha ? 6 : 5;
        var acCount = lAc.Length + pAc.Length + qAc.Length + aAc.Length;
        var hash = new byte[acStart + ((acCount + 1) / 2)];
        hash[0] = (byte)(header24 & 255);
        hash[1] = (byte)((header24 >> 8) & 255);
        hash[2] = (byte)(header24 >> 16);
        hash[3] = (byte)(header16 & 255);
        hash[4] = (byte)(header16 >> 8);
        if (hasAlpha)
        {
            hash[5] = (byte)(Round(15 * aDc) | (Round(15 * aScale) << 4));
        }

        var acIndex = 0;
        foreach (var ac in hasAlpha ? [lAc, pAc, qAc, aAc] : new[] { lAc, pAc, qAc })
        {
            foreach (var f in ac)
            {
                hash[acStart + (acIndex >> 1)] |= (byte)(Round(15 * f) << ((acIndex & 1) << 2));
                acIndex++;
            }
        }

        return hash;
    }

    /// <summary>The average colour a hash stores (RGBA, 0–1), which a client shows before the blur.</summary>
    public static (double R, double G, double B, double A) AverageRgba(ReadOnlySpan<byte> hash)
    {
        if (hash.Length < 5)
        {
            throw new ArgumentException("A ThumbHash has at least 5 bytes.", nameof(hash));
        }

        var header = hash[0] | (hash[1] << 8) | (hash[2] << 16);
        var l = (header & 63) / 63.0;
        var p = (((header >> 6) & 63) / 31.5) - 1;
        var q = (((header >> 12) & 63) / 31.5) - 1;
        var hasAlpha = (header >> 23) != 0;
        var a = hasAlpha && hash.Length > 5 ? (hash[5] & 15) / 15.0 : 1;
        var b = l - (2.0 / 3 * p);
        var r = ((3 * l) - b + q) / 2;
        var g = r - q;
        return (Math.Clamp(r, 0, 1), Math.Clamp(g, 0, 1), Math.Clamp(b, 0, 1), a);
    }

    private static (double Dc, double[] Ac, double Scale) EncodeChannel(double[] channel, int width, int height, int nx, int ny)
    {
        var dc = 0.0;
        var ac = new List<double>();
        var scale = 0.0;
        var fx = new double[width];
        for (var cy = 0; cy < ny; cy++)
        {
            // A triangle of low frequencies: fewer horizontal terms at higher vertical ones.
            for (var cx = 0; cx * ny < nx * (ny - cy); cx++)
            {
                var f = 0.0;
                for (var x = 0; x < width; x++)
                {
                    fx[x] = Math.Cos(Math.PI / width * cx * (x + 0.5));
                }

                for (var y = 0; y < height; y++)
                {
                    var fy = Math.Cos(Math.PI / height * cy * (y + 0.5));
                    for (var x = 0; x < width; x++)
                    {
                        f += channel[x + (y * width)] * fx[x] * fy;
                    }
                }

                f /= width * height;
                if (cx > 0 || cy > 0)
                {
                    ac.Add(f);
                    scale = Math.Max(scale, Math.Abs(f));
                }
                else
                {
                    dc = f;
                }
            }
        }

        if (scale > 0)
        {
            for (var i = 0; i < ac.Count; i++)
            {
                ac[i] = 0.5 + (0.5 / scale * ac[i]);
            }
        }

        return (dc, [.. ac], scale);
    }

    private static int Round(double value) => (int)Math.Round(value, MidpointRounding.AwayFromZero);
}
