using System.Globalization;
using Scrapbook.Imaging.Tests.Support;
using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests;

/// <summary>
/// Peak memory of the bomb cases, each probed or rendered in a fresh process (MemoryProbe, built
/// with these tests) that reports its own VmHWM from /proc/self/status: the peak resident memory of
/// the whole process — .NET runtime and libvips included — while it handled that one file.
/// </summary>
public sealed class MemoryTests(ITestOutputHelper output) : CorpusTest
{
    private const long Budget = 300L * 1024 * 1024;
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    private async Task<(string Outcome, long PeakRss)> InFreshProcessAsync(string mode, string path)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = RepoPaths.Combine("tests", "Imaging.Tests", "MemoryProbe", "bin", configuration, "net10.0", "Scrapbook.Imaging.MemoryProbe.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: it builds with the test project.");
        await using var process = await ServerProcess.StartAsync("dotnet", [dll, mode, path]);
        var deadline = DateTime.UtcNow + s_timeout;
        while (!process.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Cancellation);
        }

        Assert.True(process.HasExited, $"MemoryProbe did not finish in {s_timeout}");
        var exitCode = await process.TerminateAsync(TimeSpan.FromSeconds(5));
        Assert.True(exitCode == 0, $"MemoryProbe exited with {exitCode}:{Environment.NewLine}{process.Output}");

        // The exit is seen before the last output lines may be; poll for them.
        var lines = Array.Empty<string>();
        while (DateTime.UtcNow < deadline && !(lines = process.Output.Split(Environment.NewLine)).Any(l => l.StartsWith("peak-rss-bytes ", StringComparison.Ordinal)))
        {
            await Task.Delay(10, Cancellation);
        }

        var peak = long.Parse(lines.Single(l => l.StartsWith("peak-rss-bytes ", StringComparison.Ordinal))["peak-rss-bytes ".Length..], CultureInfo.InvariantCulture);
        var outcome = lines.First(l => l.StartsWith("probed", StringComparison.Ordinal) || l.StartsWith("rendered", StringComparison.Ordinal) || l.StartsWith("rejected", StringComparison.Ordinal));
        output.WriteLine($"{Path.GetFileName(path)} {mode}: {outcome}; peak RSS {peak / (1024.0 * 1024):0.0} MB (budget {Budget / (1024 * 1024)} MB)");
        return (outcome, peak);
    }

    [Fact]
    public async Task PngDeclaring17000By17000IsRejectedUnder300MegabytesPeakRss()
    {
        var path = Save("bomb.png", PngWriter.HeaderOnly(17000, 17000));

        var (outcome, peak) = await InFreshProcessAsync("render", path);

        Assert.Equal("rejected TooManyPixels", outcome);
        Assert.InRange(peak, 1, Budget);
    }

    [Fact]
    public async Task GifOf300FullScreenFramesRendersUnder300MegabytesPeakRss()
    {
        // 300 frames on a 2000×1500 screen: decoding them all would take 300 × 12 MB = 3.6 GB.
        var path = Save("frames.gif", GifWriter.Animated(2000, 1500, 300));

        var (outcome, peak) = await InFreshProcessAsync("render", path);

        Assert.Equal("rendered large=1600x1200 small=640x480 thumb=256x256", outcome);
        Assert.InRange(peak, 1, Budget);
    }

    [Fact]
    public async Task OneBitBmpOf90MegapixelsRendersUnder300MegabytesPeakRss()
    {
        // 11 MB on disk, 270 MB as decoded RGB: the managed reader shrinks while it reads.
        var path = Save("huge.bmp", BmpWriter.Indexed(10000, 9000, 1, [(0, 0, 0), (255, 255, 255)], (x, y) => ((x / 500) + (y / 500)) % 2));

        var (outcome, peak) = await InFreshProcessAsync("render", path);

        Assert.Equal("rendered large=1600x1440 small=640x576 thumb=256x256", outcome);
        Assert.InRange(peak, 1, Budget);
    }

    [Fact]
    public async Task NinetyMegapixelJpegRendersUnder300MegabytesPeakRss()
    {
        // Within the pixel limit, so it is decoded: with DCT shrink-on-load and sequential access.
        var noise = Path.Combine(Directory, "noise.v");
        var path = Path.Combine(Directory, "big.jpg");
        await VipsCli.RunAsync("gaussnoise", noise, "10000", "9000");
        await VipsCli.RunAsync("colourspace", noise, path + "[Q=85]", "srgb");
        File.Delete(noise);

        var (outcome, peak) = await InFreshProcessAsync("render", path);

        Assert.Equal("rendered large=1600x1440 small=640x576 thumb=256x256", outcome);
        Assert.InRange(peak, 1, Budget);
    }
}
