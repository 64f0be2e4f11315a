using System.Diagnostics;
using System.Globalization;
using Scrapbook.Bench.Thumbnails;
using Scrapbook.Imaging;

// Usage: Scrapbook.Bench.Thumbnails CORPUS_DIR OUT_DIR JOBS [FILE_PATTERN]
//        Scrapbook.Bench.Thumbnails --stages CORPUS_DIR COUNT
// Renders the default presets (thumb, small, large; WebP q80) for every JPEG in CORPUS_DIR with
// JOBS renders in flight, writing the renditions to OUT_DIR. CPU time and peak RSS are measured
// from outside (run.sh uses GNU time); this prints the wall time of the render loop alone.
// --stages prints where the CPU goes per image over the first COUNT 12 MP JPEGs (StageProfile).
if (args[0] == "--stages")
{
    StageProfile.Run([.. Directory.GetFiles(args[1], "p12-*.jpg").Order(StringComparer.Ordinal).Take(int.Parse(args[2], CultureInfo.InvariantCulture))]);
    return;
}

var corpus = args[0];
var output = args[1];
var jobs = int.Parse(args[2], CultureInfo.InvariantCulture);
var pattern = args.Length > 3 ? args[3] : "*.jpg";
Directory.CreateDirectory(output);

// One libvips thread per pipeline: parallelism comes from the jobs, as in Thumbnail.Worker.
var engine = new VipsImaging(new ImagingOptions { Concurrency = 1 });
var files = Directory.GetFiles(corpus, pattern).Order(StringComparer.Ordinal).ToArray();
var stopwatch = Stopwatch.StartNew();
await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = jobs }, async (file, cancellationToken) =>
{
    var result = await engine.RenderAsync(file, cancellationToken: cancellationToken);
    foreach (var rendition in result.Renditions)
    {
        await File.WriteAllBytesAsync(Path.Combine(output, $"{Path.GetFileNameWithoutExtension(file)}-{rendition.Name}.{rendition.FileExtension}"), rendition.Content, cancellationToken);
    }
});
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images {files.Length} wall-seconds {stopwatch.Elapsed.TotalSeconds:0.000}"));
