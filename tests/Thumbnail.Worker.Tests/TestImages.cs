using System.Diagnostics;
using System.Globalization;

namespace Scrapbook.Thumbnail.Worker.Tests;

/// <summary>Test originals made with the libvips CLI (nothing downloaded).</summary>
internal static class TestImages
{
    /// <summary>A noisy <paramref name="width"/>×<paramref name="height"/> image saved as <paramref name="fileName"/> (the suffix picks the format).</summary>
    public static async Task<string> CreateAsync(string directory, string fileName, int width, int height, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, fileName);
        await RunAsync(cancellationToken, "gaussnoise", path, Format(width), Format(height), "--mean", "128", "--sigma", "40");
        return path;
    }

    /// <summary>A PNG whose header is intact and whose pixel data is cut off: it probes but cannot be decoded.</summary>
    public static async Task<string> CreateTruncatedPngAsync(string directory, CancellationToken cancellationToken)
    {
        var whole = await CreateAsync(directory, "whole.png", 800, 600, cancellationToken);
        var bytes = await File.ReadAllBytesAsync(whole, cancellationToken);
        var path = Path.Combine(directory, "truncated.png");
        await File.WriteAllBytesAsync(path, bytes.AsMemory(0, bytes.Length / 3), cancellationToken);
        return path;
    }

    private static async Task RunAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("vips") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("vips did not start.");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"vips {string.Join(' ', arguments)} failed: {error}");
        }
    }

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
