using System.Globalization;
using System.Text;

namespace Scrapbook.Testing;

/// <summary>What a labelled test image shows.</summary>
public enum LabelledImage
{
    /// <summary>A sky over rolling green hills, textured with value noise: a plain outdoor scene.</summary>
    Landscape,

    /// <summary>A flat-shaded cartoon house under a sun, with black outlines.</summary>
    Cartoon,

    /// <summary>An empty white canvas.</summary>
    BlankCanvas,
}

/// <summary>
/// Images with known content for the classifier, drawn here pixel by pixel (nothing downloaded) and saved with the
/// libvips CLI. What the model says about each is recorded in docs/classifier.md.
/// </summary>
public static class LabelledImages
{
    public const int Width = 480;
    public const int Height = 360;

    /// <param name="extension"><c>jpg</c> (quality 90) or any other format the vips CLI writes by suffix (<c>png</c>).</param>
    public static async Task<string> CreateAsync(string directory, LabelledImage image, string extension, CancellationToken cancellationToken)
    {
        var name = image.ToString().ToLowerInvariant();
        var ppm = Path.Combine(directory, $"{name}.ppm");
        await using (var file = File.Create(ppm))
        {
            await file.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"P6 {Width} {Height} 255\n")), cancellationToken);
            await file.WriteAsync(Draw(image), cancellationToken);
        }

        var path = Path.Combine(directory, $"{name}.{extension}");
        await Tool.RunAsync("vips", ["copy", ppm, extension == "jpg" ? path + "[Q=90]" : path], cancellationToken: cancellationToken);
        return path;
    }

    public static async Task<byte[]> JpegAsync(string directory, LabelledImage image, CancellationToken cancellationToken) =>
        await File.ReadAllBytesAsync(await CreateAsync(directory, image, "jpg", cancellationToken), cancellationToken);

    private static byte[] Draw(LabelledImage image)
    {
        var pixels = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                var (r, g, b) = image switch
                {
                    LabelledImage.Landscape => Landscape(x, y),
                    LabelledImage.Cartoon => Cartoon(x, y),
                    _ => (255, 255, 255),
                };
                var i = ((y * Width) + x) * 3;
                pixels[i] = (byte)Math.Clamp(r, 0, 255);
                pixels[i + 1] = (byte)Math.Clamp(g, 0, 255);
                pixels[i + 2] = (byte)Math.Clamp(b, 0, 255);
            }
        }

        return pixels;
    }

    private static (int R, int G, int B) Cartoon(int x, int y)
    {
        (int, int, int) black = (0, 0, 0);
        var sun = Math.Sqrt(((x - 390) * (x - 390)) + ((y - 70) * (y - 70)));
        if (sun < 40)
        {
            return (255, 215, 0);
        }

        if (sun < 44)
        {
            return black;
        }

        if (x is >= 120 and <= 160 && y is >= 200 and <= 260)
        {
            return (255, 255, 255); // the door
        }

        if (x is >= 80 and <= 220 && y is >= 160 and <= 260)
        {
            return x < 84 || x > 216 || y < 164 || y > 256 ? black : (255, 99, 71);
        }

        if (y is >= 90 and < 160 && Math.Abs(x - 150) <= (y - 90) * 90.0 / 70)
        {
            return (139, 69, 19); // the roof
        }

        return y >= 260 ? (60, 179, 113) : (135, 206, 235);
    }

    private static readonly double[] s_lattice = Lattice();

    private static double[] Lattice()
    {
        var random = new Random(3);
        return [.. Enumerable.Range(0, 64 * 64).Select(_ => random.NextDouble())];
    }

    private static double Noise(double x, double y)
    {
        int xi = (int)x, yi = (int)y;
        double fx = x - xi, fy = y - yi;
        double At(int i, int j) => s_lattice[((j % 64) * 64) + (i % 64)];
        fx = fx * fx * (3 - (2 * fx));
        fy = fy * fy * (3 - (2 * fy));
        var top = (At(xi, yi) * (1 - fx)) + (At(xi + 1, yi) * fx);
        var bottom = (At(xi, yi + 1) * (1 - fx)) + (At(xi + 1, yi + 1) * fx);
        return (top * (1 - fy)) + (bottom * fy);
    }

    /// <summary>Five octaves of value noise, about 0 to 1.</summary>
    private static double Fractal(double x, double y)
    {
        var sum = 0.0;
        for (var octave = 0; octave < 5; octave++)
        {
            var scale = Math.Pow(2, octave);
            sum += Noise(x * scale / 40, y * scale / 40) / scale;
        }

        return sum / 1.9;
    }

    private static (int R, int G, int B) Landscape(int x, int y)
    {
        var horizon = 200 + (40 * Math.Sin(x / 70.0)) + (30 * Fractal(x, 0));
        var n = Fractal(x, y);
        if (y < horizon)
        {
            var t = y / horizon;
            return ((int)(110 + (60 * t) + (40 * n)), (int)(160 + (50 * t) + (30 * n)), (int)(230 - (20 * t)));
        }

        return ((int)(40 + (60 * n)), (int)(90 + (90 * n)), (int)(30 + (40 * n)));
    }
}
