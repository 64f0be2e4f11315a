using System.Globalization;
using Scrapbook.Imaging;

// Usage: probe|render <path>. Prints the outcome, then the process's peak RSS (VmHWM) in bytes.
var renderer = new VipsImaging(new ImagingOptions());
string outcome;
try
{
    if (args[0] == "probe")
    {
        var info = await renderer.ProbeAsync(args[1]);
        outcome = $"probed {info.Format} {info.Width}x{info.Height} frames={info.Frames}";
    }
    else
    {
        var result = await renderer.RenderAsync(args[1]);
        outcome = "rendered " + string.Join(' ', result.Renditions.Select(r => $"{r.Name}={r.Width}x{r.Height}"));
    }
}
catch (ImageRejectedException e)
{
    outcome = $"rejected {e.Reason}";
}

var hwm = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
var kilobytes = long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
Console.WriteLine(outcome);
Console.WriteLine($"peak-rss-bytes {kilobytes * 1024}");
