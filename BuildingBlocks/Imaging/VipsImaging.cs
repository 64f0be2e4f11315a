using Microsoft.Extensions.Options;
using Scrapbook.Imaging.Formats;
using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging;

/// <summary>
/// The libvips engine behind <see cref="IImageProbe"/> and <see cref="IThumbnailRenderer"/>.
/// </summary>
/// <remarks>
/// Rendering decodes once: the original is opened with the loader's own shrink-on-load (JPEG
/// DCT scaling, WebP scaled decode) at the largest scale any preset needs, auto-rotated and
/// converted to sRGB into one in-memory intermediate. Presets are rendered largest first, each from
/// the smallest full frame already in memory that is big enough — the intermediate or a fit
/// rendition (for the defaults: large is the intermediate, small comes from it, and thumb and the
/// placeholder from small). Everything resampled is materialized once: libvips pipelines are lazy,
/// and a lazy resize read by several consumers (a saver, smart crop's attention search) is
/// recomputed for each. Before this, thumb and placeholder from the 1600 px intermediate cost
/// 90 + 30 CPU-ms of a 340 CPU-ms render (12 MP JPEG); now 14 + 5.
/// </remarks>
internal sealed class VipsImaging : IImageProbe, IThumbnailRenderer
{
    /// <summary>Cap on the intermediate (≈32 MB as RGBA); only extreme panoramas with a crop preset reach it.</summary>
    internal const long MaxIntermediatePixels = 8_000_000;

    private readonly ImagingOptions _options;

    public VipsImaging(IOptions<ImagingOptions> options)
        : this(options.Value)
    {
    }

    public VipsImaging(ImagingOptions options)
    {
        _options = options;
        VipsRuntime.EnsureInitialized(options.Concurrency);
    }

    public Task<ImageInfo> ProbeAsync(string path, CancellationToken cancellationToken = default) =>
        Task.Run(
            () =>
            {
                using var input = ImageInput.FromFile(path, _options.MaxBytes);
                return Probe(input);
            },
            cancellationToken);

    public async Task<ImageInfo> ProbeAsync(Stream content, CancellationToken cancellationToken = default)
    {
        using var input = await ImageInput.FromStreamAsync(content, _options.MaxBytes, cancellationToken);
        return await Task.Run(() => Probe(input), cancellationToken);
    }

    public Task<RenderResult> RenderAsync(string path, IReadOnlyList<RenditionPreset>? presets = null, CancellationToken cancellationToken = default) =>
        Task.Run(
            () =>
            {
                using var input = ImageInput.FromFile(path, _options.MaxBytes);
                return Render(input, presets ?? _options.GetPresets(), cancellationToken);
            },
            cancellationToken);

    public async Task<RenderResult> RenderAsync(Stream content, IReadOnlyList<RenditionPreset>? presets = null, CancellationToken cancellationToken = default)
    {
        using var input = await ImageInput.FromStreamAsync(content, _options.MaxBytes, cancellationToken);
        return await Task.Run(() => Render(input, presets ?? _options.GetPresets(), cancellationToken), cancellationToken);
    }

    internal ImageInfo Probe(ImageInput input)
    {
        var format = Sniff(input);
        if (format == ImageFormat.Bmp)
        {
            return CheckLimits(SkiaBmp.ReadInfo(input.ReadAll()));
        }

        using var image = Load(input, format, shrink: 1);
        return CheckLimits(ReadInfo(image, format));
    }

    /// <summary>The format by content, once the file is known to reach its format's end marker (and, for TIFF, to need nothing unsupported).</summary>
    private static ImageFormat Sniff(ImageInput input)
    {
        var format = FormatSniffer.Sniff(input.Header);
        using var bytes = input.OpenBytes();
        TruncationCheck.EnsureComplete(format, bytes);
        if (format == ImageFormat.Tiff)
        {
            TiffFeatures.EnsureSupported(bytes);
        }

        return format;
    }

    internal RenderResult Render(ImageInput input, IReadOnlyList<RenditionPreset> presets, CancellationToken cancellationToken)
    {
        if (presets.Count == 0)
        {
            throw new ArgumentException("At least one preset is needed.", nameof(presets));
        }

        var format = Sniff(input);
        ReadOnlySpan<byte> bmp = default;
        VipsImageHandle? header = null;
        ImageInfo info;
        try
        {
            if (format == ImageFormat.Bmp)
            {
                bmp = input.ReadAll();
                info = CheckLimits(SkiaBmp.ReadInfo(bmp));
            }
            else
            {
                header = Load(input, format, shrink: 1);
                info = CheckLimits(ReadInfo(header, format));
            }
        }
        catch
        {
            header?.Dispose();
            throw;
        }

        // Samples without a known white are measured first, from a second read of the file: the
        // loaders stream, so the pixels the render reads cannot also be read for their range.
        SampleRange? range = header is not null && SampleScaling.NeedsRange(header) ? MeasureRange(input, format) : null;
        var (boxWidth, boxHeight) = IntermediateBox(info, presets);
        using var loaded = header is null
            ? SkiaBmp.Decode(bmp, Math.Max(1, (int)Math.Min((double)info.Width / boxWidth, (double)info.Height / boxHeight)))
            : ShrinkOnLoad(input, info, header, boxWidth, boxHeight);
        cancellationToken.ThrowIfCancellationRequested();
        using var prepared = SampleScaling.Prepare(loaded, range);
        using var intermediate = DecodeIntermediate(prepared ?? loaded, info, boxWidth, boxHeight);

        // Largest first, so that each fit rendition made can be the source of the smaller ones.
        var renditions = new Rendition[presets.Count];
        var sources = new List<VipsImageHandle>(presets.Count);
        try
        {
            foreach (var index in LargestFirst(intermediate, presets))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var preset = presets[index];
                var source = SmallestSource(intermediate, sources, OutputSize(intermediate, preset));
                renditions[index] = RenderPreset(source, preset, sources);
            }

            var placeholderSource = SmallestSource(intermediate, sources, OutputSize(intermediate, ThumbHash.MaxSide, ThumbHash.MaxSide, RenditionFit.Fit));
            return new RenderResult(info, renditions, Placeholder(placeholderSource));
        }
        finally
        {
            foreach (var source in sources)
            {
                source.Dispose();
            }
        }
    }

    private static SampleRange MeasureRange(ImageInput input, ImageFormat format)
    {
        using var image = Load(input, format, shrink: 1);
        try
        {
            return SampleScaling.Measure(image);
        }
        catch (VipsException e)
        {
            throw ImageRejectedException.Corrupt(format, e.Message, e);
        }
    }

    /// <summary>Preset indexes by the pixels they need from the intermediate, most first.</summary>
    private static IEnumerable<int> LargestFirst(VipsImageHandle intermediate, IReadOnlyList<RenditionPreset> presets) =>
        Enumerable.Range(0, presets.Count).OrderByDescending(i =>
        {
            var (width, height) = OutputSize(intermediate, presets[i]);
            return (long)width * height;
        });

    /// <summary>
    /// The size a preset needs from a full frame the intermediate's size: the fitted size for a fit
    /// preset, the covering size (before the crop) for a crop preset; never more than the frame.
    /// </summary>
    private static (int Width, int Height) OutputSize(VipsImageHandle intermediate, RenditionPreset preset) =>
        OutputSize(intermediate, preset.Width, preset.Height, preset.Fit);

    private static (int Width, int Height) OutputSize(VipsImageHandle intermediate, int boxWidth, int boxHeight, RenditionFit fit)
    {
        double width = intermediate.Width, height = intermediate.Height;
        var scale = fit == RenditionFit.Fit
            ? Math.Min(boxWidth / width, boxHeight / height)
            : Math.Max(boxWidth / width, boxHeight / height);
        if (scale >= 1)
        {
            return (intermediate.Width, intermediate.Height);
        }

        return fit == RenditionFit.Fit
            ? (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)))
            : ((int)Math.Min(width, Math.Ceiling(width * scale)), (int)Math.Min(height, Math.Ceiling(height * scale)));
    }

    /// <summary>
    /// The smallest full frame already in memory (a fit rendition, else the intermediate) that has at
    /// least the pixels asked for on both axes, so deriving from it never upscales.
    /// </summary>
    private static VipsImageHandle SmallestSource(VipsImageHandle intermediate, List<VipsImageHandle> sources, (int Width, int Height) needed)
    {
        var best = intermediate;
        foreach (var source in sources)
        {
            if (source.Width >= needed.Width && source.Height >= needed.Height && (long)source.Width * source.Height < (long)best.Width * best.Height)
            {
                best = source;
            }
        }

        return best;
    }

    /// <summary>
    /// Reopens a JPEG or WebP asking its decoder for fewer pixels when the box allows it; every
    /// other format (and an image that needs its full size) goes on from the header already read.
    /// </summary>
    private static VipsImageHandle ShrinkOnLoad(ImageInput input, ImageInfo info, VipsImageHandle header, int boxWidth, int boxHeight)
    {
        var (storedBoxWidth, storedBoxHeight) = info.IsQuarterTurned ? (boxHeight, boxWidth) : (boxWidth, boxHeight);

        // The intermediate fits the box, so the binding axis is the one with the larger ratio.
        var shrink = Math.Max((double)info.Width / storedBoxWidth, (double)info.Height / storedBoxHeight);
        if ((info.Format == ImageFormat.Jpeg && JpegShrinkFactor(shrink) > 1) || (info.Format == ImageFormat.WebP && shrink >= 2))
        {
            header.Dispose();
            return Load(input, info.Format, shrink);
        }

        return header;
    }

    private static string LoaderFor(ImageFormat format) => format switch
    {
        ImageFormat.Jpeg => "jpegload_source",
        ImageFormat.Png => "pngload_source",
        ImageFormat.WebP => "webpload_source",
        ImageFormat.Gif => "gifload_source",
        ImageFormat.Tiff => "tiffload_source",
        ImageFormat.Heif or ImageFormat.Avif => "heifload_source",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "No libvips loader is allowed for this format."),
    };

    /// <summary>
    /// Opens the file with the one trusted loader its sniffed format allows. Loaders are lazy: this
    /// reads the header only. <paramref name="shrink"/> is how much smaller than stored the caller
    /// needs the image, used for the loaders that can shrink while decoding.
    /// </summary>
    private static VipsImageHandle Load(ImageInput input, ImageFormat format, double shrink)
    {
        using var source = input.OpenSource();
        using var operation = VipsOperation.Create(LoaderFor(format))
            .Set("source", source)
            .SetEnum("access", "sequential")
            .SetEnum("fail_on", "error");
        switch (format)
        {
            case ImageFormat.Jpeg:
                var factor = JpegShrinkFactor(shrink);
                if (factor > 1)
                {
                    operation.Set("shrink", factor);
                }

                break;
            case ImageFormat.WebP:
                operation.Set("page", 0).Set("n", 1);
                if (shrink > 1)
                {
                    operation.Set("scale", 1 / shrink);
                }

                break;
            case ImageFormat.Gif or ImageFormat.Tiff or ImageFormat.Heif or ImageFormat.Avif:
                operation.Set("page", 0).Set("n", 1);
                break;
        }

        try
        {
            operation.Build();
        }
        catch (VipsException e)
        {
            throw ImageRejectedException.Corrupt(format, e.Message, e);
        }

        return operation.GetImage("out");
    }

    /// <summary>
    /// The largest DCT scaling (1/2, 1/4, 1/8) that still leaves at least the size needed: libjpeg
    /// then decodes a quarter, a sixteenth… of the pixels, and the resize after it does the rest.
    /// (This is sharp's default, fastShrinkOnLoad; vipsthumbnail keeps a further 2× margin.)
    /// </summary>
    internal static int JpegShrinkFactor(double shrink) => shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;

    private static ImageInfo ReadInfo(VipsImageHandle image, ImageFormat format)
    {
        var orientation = image.Orientation;
        return new ImageInfo(format, image.Width, image.Height, Math.Max(1, image.Pages), orientation is >= 1 and <= 8 ? orientation : 1);
    }

    private ImageInfo CheckLimits(ImageInfo info)
    {
        if (info.Pixels > _options.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyPixels,
                $"The image is {info.Width}×{info.Height} = {info.Pixels} pixels; the limit (Imaging:MaxMegapixels) is {_options.MaxMegapixels} megapixels ({_options.MaxPixels} pixels).",
                _options.MaxPixels,
                info.Pixels);
        }

        if (info.Frames > _options.MaxFrames)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyFrames,
                $"The image declares {info.Frames} frames; the limit (Imaging:MaxFrames) is {_options.MaxFrames}.",
                _options.MaxFrames,
                info.Frames);
        }

        return info;
    }

    /// <summary>
    /// The upright size of the one decoded intermediate: the largest any preset needs, never larger
    /// than the original. A dominant fit preset gets exactly its box (so it is the intermediate);
    /// a dominant crop preset gets its cover size plus a pixel of margin against rounding.
    /// </summary>
    internal static (int Width, int Height) IntermediateBox(ImageInfo info, IReadOnlyList<RenditionPreset> presets)
    {
        double width = info.UprightWidth, height = info.UprightHeight;
        var best = 0.0;
        RenditionPreset? dominant = null;
        foreach (var preset in presets)
        {
            var scale = ScaleFor(preset, width, height);
            if (scale > best)
            {
                best = scale;
                dominant = preset;
            }
        }

        int boxWidth, boxHeight;
        if (best >= 1 || dominant is null)
        {
            (boxWidth, boxHeight) = (info.UprightWidth, info.UprightHeight);
        }
        else if (dominant.Fit == RenditionFit.Fit)
        {
            (boxWidth, boxHeight) = (dominant.Width, dominant.Height);
        }
        else
        {
            boxWidth = (int)Math.Min(width, Math.Ceiling(width * best) + 1);
            boxHeight = (int)Math.Min(height, Math.Ceiling(height * best) + 1);
        }

        var pixels = (double)Math.Min(boxWidth, info.UprightWidth) * Math.Min(boxHeight, info.UprightHeight);
        if (pixels > MaxIntermediatePixels)
        {
            var factor = Math.Sqrt(MaxIntermediatePixels / pixels);
            boxWidth = Math.Max(1, (int)(boxWidth * factor));
            boxHeight = Math.Max(1, (int)(boxHeight * factor));
        }

        return (boxWidth, boxHeight);
    }

    private static double ScaleFor(RenditionPreset preset, double width, double height) => preset.Fit == RenditionFit.Fit
        ? Math.Min(preset.Width / width, preset.Height / height)
        : Math.Max(preset.Width / width, preset.Height / height);

    /// <summary>
    /// The single decode: resize to the box, auto-rotate by EXIF, convert to 8-bit sRGB (through
    /// the embedded ICC profile when there is one), first frame only, into memory. Anything libvips
    /// cannot decode here is the file's fault: a Corrupt rejection.
    /// </summary>
    private static VipsImageHandle DecodeIntermediate(VipsImageHandle loaded, ImageInfo info, int boxWidth, int boxHeight)
    {
        try
        {
            using var operation = VipsOperation.Create("thumbnail_image")
                .Set("in", loaded)
                .Set("width", boxWidth)
                .Set("height", boxHeight)
                .SetEnum("size", "down");

            // An embedded profile is honoured by transforming to sRGB through it. Untagged images are
            // sRGB already (or CMYK, which colourspace converts with its own profile): giving them an
            // export profile too would route them through XYZ and shift saturated colours. A profile
            // that does not fit the pixels was dropped before (SampleScaling.Prepare).
            if (loaded.HasIccProfile)
            {
                operation.Set("export_profile", "srgb");
            }

            using var resized = operation.Build().GetImage("out");
            var intermediate = resized.CopyMemory();
            intermediate.RemoveAllMetadata();
            return intermediate;
        }
        catch (VipsException e)
        {
            throw ImageRejectedException.Corrupt(info.Format, e.Message, e);
        }
    }

    /// <summary>
    /// Renders one preset from <paramref name="source"/>. A fit rendition made here is materialized
    /// and added to <paramref name="sources"/>: it is encoded from memory and smaller presets start
    /// from it (a lazy pipeline would re-run its resize for every consumer).
    /// </summary>
    private Rendition RenderPreset(VipsImageHandle source, RenditionPreset preset, List<VipsImageHandle> sources)
    {
        var fitsAlready = preset.Fit == RenditionFit.Fit && source.Width <= preset.Width && source.Height <= preset.Height;
        if (fitsAlready)
        {
            return Encode(source, preset);
        }

        using var operation = VipsOperation.Create("thumbnail_image")
            .Set("in", source)
            .Set("width", preset.Width)
            .Set("height", preset.Height)
            .SetEnum("size", "down")
            .Set("no_rotate", true);
        if (preset.Fit == RenditionFit.SmartCrop)
        {
            operation.SetEnum("crop", "attention");
        }

        using var derived = operation.Build().GetImage("out");
        if (preset.Fit == RenditionFit.SmartCrop)
        {
            return Encode(derived, preset);
        }

        var materialized = derived.CopyMemory();
        sources.Add(materialized);
        return Encode(materialized, preset);
    }

    private Rendition Encode(VipsImageHandle image, RenditionPreset preset)
    {
        var (content, contentType, extension) = Encode(image, preset.Format ?? _options.Format);
        return new Rendition(preset.Name, content, image.Width, image.Height, contentType, extension);
    }

    /// <summary>Encodes with every piece of metadata (EXIF, XMP, IPTC, ICC) stripped.</summary>
    private (byte[] Content, string ContentType, string Extension) Encode(VipsImageHandle image, OutputFormat format)
    {
        switch (format)
        {
            case OutputFormat.Jpeg:
                {
                    using var flat = image.HasAlpha ? Flatten(image) : null;
                    using var operation = VipsOperation.Create("jpegsave_buffer")
                        .Set("in", flat ?? image)
                        .Set("Q", _options.Quality)
                        .Set("optimize_coding", true)
                        .Set("strip", true)
                        .Build();
                    return (operation.GetBlob("buffer", static bytes => bytes.ToArray()), "image/jpeg", "jpg");
                }

            case OutputFormat.Avif:
                {
                    using var operation = VipsOperation.Create("heifsave_buffer")
                        .Set("in", image)
                        .Set("Q", _options.Quality)
                        .SetEnum("compression", "av1")
                        .Set("strip", true)
                        .Build();
                    return (operation.GetBlob("buffer", static bytes => bytes.ToArray()), "image/avif", "avif");
                }

            default:
                {
                    using var operation = VipsOperation.Create("webpsave_buffer")
                        .Set("in", image)
                        .Set("Q", _options.Quality)
                        .Set("strip", true)
                        .Build();
                    return (operation.GetBlob("buffer", WebPContainer.StripMetadata), "image/webp", "webp");
                }
        }
    }

    /// <summary>JPEG has no alpha: lay the image over white, as a browser shows it on a page.</summary>
    private static VipsImageHandle Flatten(VipsImageHandle image)
    {
        using var operation = VipsOperation.Create("flatten")
            .Set("in", image)
            .SetEnum("background", "255")
            .Build();
        return operation.GetImage("out");
    }

    /// <summary>
    /// The ThumbHash of <paramref name="source"/> shrunk to at most 100 px. ThumbHash keeps only the
    /// lowest frequencies, so the shrink is libvips' box shrink plus a linear kernel: a third of the
    /// cost of lanczos3, with no difference the hash can carry. Each axis keeps at least a pixel.
    /// </summary>
    private static byte[] Placeholder(VipsImageHandle source)
    {
        var scale = Math.Min((double)ThumbHash.MaxSide / source.Width, (double)ThumbHash.MaxSide / source.Height);
        VipsImageHandle? shrunk = null;
        try
        {
            if (scale < 1)
            {
                using var operation = VipsOperation.Create("resize")
                    .Set("in", source)
                    .Set("scale", Math.Max(scale, 1.0 / source.Width))
                    .Set("vscale", Math.Max(scale, 1.0 / source.Height))
                    .SetEnum("kernel", "linear")
                    .Build();
                shrunk = operation.GetImage("out");
            }

            var small = shrunk ?? source;
            var rgba = ToRgba(small.ToArray(), small.Width * small.Height, small.Bands);
            return ThumbHash.FromRgba(small.Width, small.Height, rgba);
        }
        finally
        {
            shrunk?.Dispose();
        }
    }

    /// <summary>Expands 8-bit grey, grey+alpha or RGB pixels to RGBA.</summary>
    internal static byte[] ToRgba(byte[] pixels, int count, int bands)
    {
        if (bands == 4)
        {
            return pixels;
        }

        var rgba = new byte[count * 4];
        for (var i = 0; i < count; i++)
        {
            var (r, g, b, a) = bands switch
            {
                1 => (pixels[i], pixels[i], pixels[i], (byte)255),
                2 => (pixels[i * 2], pixels[i * 2], pixels[i * 2], pixels[(i * 2) + 1]),
                3 => (pixels[i * 3], pixels[(i * 3) + 1], pixels[(i * 3) + 2], (byte)255),
                _ => throw new VipsException($"Unexpected {bands}-band image for the placeholder."),
            };
            rgba[i * 4] = r;
            rgba[(i * 4) + 1] = g;
            rgba[(i * 4) + 2] = b;
            rgba[(i * 4) + 3] = a;
        }

        return rgba;
    }
}
