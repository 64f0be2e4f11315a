using System.Diagnostics;
using System.Globalization;
using Scrapbook.Bench.Thumbnails;
using Scrapbook.Imaging;

// Usage: Scrapbook.Bench.Thumbnails [--engine scrapbook|skia] CORPUS_DIR OUT_DIR JOBS [FILE_PATTERN]
//        Scrapbook.Bench.Thumbnails --stages CORPUS_DIR COUNT
//        Scrapbook.Bench.Thumbnails --probe FILE...
// Renders the default presets (thumb, small, large; WebP q80) for every JPEG in CORPUS_DIR with
// JOBS renders in flight, writing the renditions to OUT_DIR: with Scrapbook's engine, or with
// SkiaSharp as a peer (SkiaPeer). CPU time and peak RSS are measured from outside (run.sh uses GNU
// time); this prints the wall time of the render loop alone.
// --stages prints where the CPU goes per image over the first COUNT 12 MP JPEGs (StageProfile).
// --probe renders each FILE with both and prints which of them decode it (a Markdown table).
switch (args[0])
{
    case "--stages":
        StageProfile.Run([.. Directory.GetFiles(args[1], "p12-*.jpg").Order(StringComparer.Ordinal).Take(int.Parse(args[2], CultureInfo.InvariantCulture))]);
        return;
    case "--probe":
        await Probe(args[1..]);
        return;
}

var engineName = args[0] == "--engine" ? args[1] : "scrapbook";
var rest = args[0] == "--engine" ? args[2..] : args;
var corpus = rest[0];
var output = rest[1];
var jobs = int.Parse(rest[2], CultureInfo.InvariantCulture);
var pattern = rest.Length > 3 ? rest[3] : "*.jpg";
Directory.CreateDirectory(output);

Func<string, CancellationToken, Task<IReadOnlyList<(string Name, string Extension, ReadOnlyMemory<byte> Content)>>> render = engineName switch
{
    "scrapbook" => ScrapbookEngine(),
    "skia" => (file, _) => Task.FromResult(SkiaPeer.Render(file)),
    _ => throw new ArgumentException($"Unknown engine '{engineName}': scrapbook or skia."),
};

var files = Directory.GetFiles(corpus, pattern).Order(StringComparer.Ordinal).ToArray();
var stopwatch = Stopwatch.StartNew();
await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = jobs }, async (file, cancellationToken) =>
{
    foreach (var (name, extension, content) in await render(file, cancellationToken))
    {
        await File.WriteAllBytesAsync(Path.Combine(output, $"{Path.GetFileNameWithoutExtension(file)}-{name}.{extension}"), content, cancellationToken);
    }
});
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"images {files.Length} wall-seconds {stopwatch.Elapsed.TotalSeconds:0.000}"));

static Func<string, CancellationToken, Task<IReadOnlyList<(string Name, string Extension, ReadOnlyMemory<byte> Content)>>> ScrapbookEngine()
{
    // One libvips thread per pipeline: parallelism comes from the jobs, as in Thumbnail.Worker.
    var engine = new VipsImaging(new ImagingOptions { Concurrency = 1 });
    return async (file, cancellationToken) =>
    {
        var result = await engine.RenderAsync(file, cancellationToken: cancellationToken);
        return [.. result.Renditions.Select(rendition => (rendition.Name, rendition.FileExtension, rendition.Content))];
    };
}

static async Task Probe(string[] files)
{
    var engine = new VipsImaging(new ImagingOptions { Concurrency = 1 });
    Console.WriteLine("| Input | Scrapbook | SkiaSharp |");
    Console.WriteLine("|---|---|---|");
    foreach (var file in files)
    {
        string scrapbook, skia;
        try
        {
            var result = await engine.RenderAsync(file);
            scrapbook = $"yes ({result.Source.Format} {result.Source.Width}×{result.Source.Height})";
        }
        catch (Exception e) when (e is ImageRejectedException or ArgumentException)
        {
            scrapbook = $"no ({e.Message})";
        }

        try
        {
            skia = SkiaPeer.Probe(file);
        }
        catch (InvalidDataException e)
        {
            skia = $"no ({e.Message})";
        }

        Console.WriteLine($"| {Path.GetFileName(file)} | {scrapbook} | {skia} |");
    }
}
