using System.Diagnostics;
using System.Globalization;
using Scrapbook.Imaging;
using Scrapbook.Imaging.Formats;
using Scrapbook.Imaging.Interop;

namespace Scrapbook.Bench.Thumbnails;

/// <summary>
/// Where the engine's CPU goes per image: the steps of <c>VipsImaging.Render</c> for the default
/// presets, replayed one at a time with each result materialized so that it can be timed (the
/// engine streams decode into the first resize; the sum is the same work). Process CPU time, one
/// image at a time, so libvips' worker thread is counted. The last row is the engine itself.
/// </summary>
internal static class StageProfile
{
    public static void Run(string[] files)
    {
        var engine = new VipsImaging(new ImagingOptions { Concurrency = 1 });
        var stages = new List<(string Name, double Milliseconds)>();
        var process = Process.GetCurrentProcess();
        double Now()
        {
            process.Refresh();
            return process.TotalProcessorTime.TotalMilliseconds;
        }

        var last = 0.0;
        void Mark(int index, string name)
        {
            var now = Now();
            if (stages.Count <= index)
            {
                stages.Add((name, 0));
            }

            stages[index] = (name, stages[index].Milliseconds + now - last);
            last = now;
        }

        // Warm-up: JIT and libvips' one-time setup are not per-image costs.
        engine.RenderAsync(files[0]).GetAwaiter().GetResult();
        foreach (var file in files)
        {
            last = Now();
            using var source = VipsSourceHandle.FromFile(file);
            using var load = VipsOperation.Create("jpegload_source").Set("source", source).SetEnum("access", "sequential").Set("shrink", 2).Build();
            using var loaded = load.GetImage("out");
            using var decoded = loaded.CopyMemory();
            Mark(0, "JPEG decode at DCT scale 1/2 (libjpeg-turbo)");
            using var large = Resize(decoded, 1600, autorotate: true);
            large.RemoveAllMetadata();
            Mark(1, "resize to large 1600 (lanczos3) + EXIF rotate");
            var encoded = Webp(large);
            Mark(2, "WebP encode large (libwebp)");
            using var small = Resize(large, 640, autorotate: false);
            Mark(3, "resize large -> small 640 (lanczos3)");
            Webp(small);
            Mark(4, "WebP encode small");
            using (var thumb = Resize(small, 256, autorotate: false, crop: "attention"))
            {
                Webp(thumb);
            }

            Mark(5, "thumb from small: resize + attention crop + WebP");
            using (var resize = VipsOperation.Create("resize").Set("in", small).Set("scale", 100.0 / Math.Max(small.Width, small.Height)).SetEnum("kernel", "linear").Build())
            using (var placeholder = resize.GetImage("out"))
            {
                ThumbHash.FromRgba(placeholder.Width, placeholder.Height, VipsImaging.ToRgba(placeholder.ToArray(), placeholder.Width * placeholder.Height, placeholder.Bands));
            }

            Mark(6, "ThumbHash placeholder from small");
            WebPContainer.StripMetadata(encoded);
            Mark(7, "WebP container rewrite (managed)");
        }

        var before = Now();
        foreach (var file in files)
        {
            engine.RenderAsync(file).GetAwaiter().GetResult();
        }

        var engineTotal = (Now() - before) / files.Length;
        var sum = 0.0;
        Console.WriteLine("| Stage (one job, CPU-ms per 12 MP image) | CPU-ms | share |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (name, milliseconds) in stages)
        {
            var perImage = milliseconds / files.Length;
            sum += perImage;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {perImage:0.0} | {perImage / engineTotal:0%} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| sum of the stages | {sum:0.0} | {sum / engineTotal:0%} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **the engine's RenderAsync, same images** | **{engineTotal:0.0}** | 100% |"));
    }

    private static VipsImageHandle Resize(VipsImageHandle image, int size, bool autorotate, string? crop = null)
    {
        using var operation = VipsOperation.Create("thumbnail_image").Set("in", image).Set("width", size).Set("height", size).SetEnum("size", "down").Set("no_rotate", !autorotate);
        if (crop is not null)
        {
            operation.SetEnum("crop", crop);
        }

        using var resized = operation.Build().GetImage("out");
        return resized.CopyMemory();
    }

    private static byte[] Webp(VipsImageHandle image)
    {
        using var operation = VipsOperation.Create("webpsave_buffer").Set("in", image).Set("Q", 80).Set("strip", true).Build();
        return operation.GetBlob("buffer", static bytes => bytes.ToArray());
    }
}
