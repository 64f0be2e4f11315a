using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging;

/// <summary>The sample values an image's black and white stand for, before they become 0 and 255.</summary>
internal readonly record struct SampleRange(double Black, double White)
{
    /// <summary>
    /// The range for samples that have no agreed white (32-bit integers, signed integers, floats),
    /// from the smallest and largest values present: the first of 0–1 (floats only: the float
    /// convention of TIFF writers), 0–255 and 0–65535 that holds them all, so a 16-bit image stored
    /// as 32-bit integers renders as the 16-bit one does; past 65535, or with negative values,
    /// 0 (or the minimum) to the maximum.
    /// </summary>
    public static SampleRange For(double min, double max, bool isFloat)
    {
        if (min >= 0)
        {
            if (isFloat && max <= 1)
            {
                return new SampleRange(0, 1);
            }

            if (max <= byte.MaxValue)
            {
                return new SampleRange(0, byte.MaxValue);
            }

            if (max <= ushort.MaxValue)
            {
                return new SampleRange(0, ushort.MaxValue);
            }
        }

        var black = Math.Min(0, min);
        return new SampleRange(black, max > black ? max : black + 1);
    }
}

/// <summary>
/// Brings what libvips' thumbnail cannot colour-manage to 8 bits: samples other than 8- and 16-bit
/// unsigned (whose white libvips knows) are scaled linearly by <see cref="SampleRange"/> rather than
/// clipped at 255, and an embedded ICC profile that does not fit the pixels is dropped.
/// </summary>
internal static class SampleScaling
{
    /// <summary>
    /// Whether the samples need a range measured from the pixels before they can be shown: not 8- or
    /// 16-bit unsigned, and in a device space (grey, RGB, CMYK, or bands with no space named). Lab,
    /// XYZ, scRGB (linear 0–1) and libvips' other colour spaces define their own ranges, and
    /// libvips converts them to sRGB itself.
    /// </summary>
    public static bool NeedsRange(VipsImageHandle image) =>
        image.BandFormat is not (NativeMethods.VipsFormatUchar or NativeMethods.VipsFormatUshort)
        && image.Interpretation is NativeMethods.VipsInterpretationMultiband or NativeMethods.VipsInterpretationBw
            or NativeMethods.VipsInterpretationCmyk or NativeMethods.VipsInterpretationRgb or NativeMethods.VipsInterpretationSrgb
            or NativeMethods.VipsInterpretationRgb16 or NativeMethods.VipsInterpretationGrey16;

    /// <summary>The range of every band together (one scale keeps the colours' balance); reads all the pixels.</summary>
    public static SampleRange Measure(VipsImageHandle image)
    {
        using var operation = VipsOperation.Create("stats").Set("in", image).Build();
        using var stats = operation.GetImage("out");

        // A double matrix: row 0 is all bands together, its columns min, max, sum, …
        var row = stats.ToArray();
        var min = BitConverter.ToDouble(row, 0);
        var max = BitConverter.ToDouble(row, sizeof(double));
        var isFloat = image.BandFormat is NativeMethods.VipsFormatFloat or NativeMethods.VipsFormatDouble;
        return SampleRange.For(min, max, isFloat);
    }

    /// <summary>
    /// A copy of <paramref name="image"/> that thumbnail can take: samples scaled to 8 bits when a
    /// range is given, and no ICC profile unless it fits. Null when nothing needs changing.
    /// </summary>
    public static VipsImageHandle? Prepare(VipsImageHandle image, SampleRange? range)
    {
        var dropProfile = image.HasIccProfile && !image.HasCompatibleIccProfile;
        if (range is null && !dropProfile)
        {
            return null;
        }

        VipsImageHandle? scaled = null;
        try
        {
            if (range is { } r)
            {
                var gain = 255 / (r.White - r.Black);
                using var linear = VipsOperation.Create("linear")
                    .Set("in", image)
                    .SetArray("a", gain)
                    .SetArray("b", -r.Black * gain)
                    .Set("uchar", true)
                    .Build();
                using var eightBit = linear.GetImage("out");
                scaled = Copy(eightBit, image.Interpretation == NativeMethods.VipsInterpretationCmyk ? "cmyk" : eightBit.Bands < 3 ? "b-w" : "srgb");
            }
            else
            {
                scaled = Copy(image, interpretation: null);
            }

            if (dropProfile)
            {
                scaled.RemoveIccProfile();
            }

            return scaled;
        }
        catch
        {
            scaled?.Dispose();
            throw;
        }
    }

    /// <summary>A new image over the same pixels with its own metadata, optionally with another interpretation.</summary>
    private static VipsImageHandle Copy(VipsImageHandle image, string? interpretation)
    {
        using var operation = VipsOperation.Create("copy").Set("in", image);
        if (interpretation is not null)
        {
            operation.SetEnum("interpretation", interpretation);
        }

        return operation.Build().GetImage("out");
    }
}
