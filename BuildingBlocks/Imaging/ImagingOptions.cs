using System.ComponentModel.DataAnnotations;

namespace Scrapbook.Imaging;

/// <summary>
/// Limits and renditions, bound from the "Imaging" configuration section.
/// </summary>
/// <remarks>
/// Frames: a file may declare up to <see cref="MaxFrames"/> frames (more is a TooManyFrames
/// rejection, checked from the header), and exactly one frame — the first — is ever decoded:
/// animations render as a still of their first frame. The pixel limit applies to that frame.
/// </remarks>
public sealed class ImagingOptions
{
    public const string SectionName = "Imaging";

    /// <summary>Largest accepted file, in bytes (50 MB).</summary>
    [Range(1, long.MaxValue)]
    public long MaxBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Largest accepted frame, in millions of pixels (width × height of the stored frame).</summary>
    [Range(0.01, 1000)]
    public double MaxMegapixels { get; set; } = 100;

    /// <summary>Most frames a file may declare; only the first is decoded either way.</summary>
    [Range(1, 100_000)]
    public int MaxFrames { get; set; } = 1000;

    /// <summary>libvips worker threads per image pipeline (process-wide, set once). 0 keeps libvips' default (one per core).</summary>
    [Range(0, 64)]
    public int Concurrency { get; set; } = 1;

    /// <summary>What renditions are encoded as.</summary>
    public OutputFormat Format { get; set; } = OutputFormat.WebP;

    /// <summary>Encoder quality, 1–100.</summary>
    [Range(1, 100)]
    public int Quality { get; set; } = 80;

    /// <summary>
    /// Presets by name. Configuration adds presets or changes the defaults' sizes
    /// (e.g. Imaging:Presets:large:Width=2048).
    /// </summary>
    public Dictionary<string, RenditionPresetOptions> Presets { get; set; } = new(StringComparer.Ordinal)
    {
        ["thumb"] = new() { Width = 256, Height = 256, Fit = RenditionFit.SmartCrop },
        ["small"] = new() { Width = 640, Height = 640, Fit = RenditionFit.Fit },
        ["large"] = new() { Width = 1600, Height = 1600, Fit = RenditionFit.Fit },
    };

    internal long MaxPixels => (long)(MaxMegapixels * 1_000_000);

    /// <summary>The configured presets, in name order.</summary>
    public IReadOnlyList<RenditionPreset> GetPresets() =>
        [.. Presets.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new RenditionPreset(p.Key, p.Value.Width, p.Value.Height, p.Value.Fit))];
}

public sealed class RenditionPresetOptions
{
    [Range(1, RenditionPreset.MaxSide)]
    public int Width { get; set; }

    [Range(1, RenditionPreset.MaxSide)]
    public int Height { get; set; }

    public RenditionFit Fit { get; set; } = RenditionFit.Fit;
}

/// <summary>One rendition to make: a name (used in blob keys), a box, and how to fill it. Renditions are never upscaled.</summary>
/// <param name="Format">What this rendition is encoded as; null: <see cref="ImagingOptions.Format"/>.</param>
public sealed record RenditionPreset(string Name, int Width, int Height, RenditionFit Fit, OutputFormat? Format = null)
{
    public const int MaxSide = 8192;

    public static RenditionPreset Thumb { get; } = new("thumb", 256, 256, RenditionFit.SmartCrop);

    public static RenditionPreset Small { get; } = new("small", 640, 640, RenditionFit.Fit);

    public static RenditionPreset Large { get; } = new("large", 1600, 1600, RenditionFit.Fit);
}
