using System.Globalization;
using Scrapbook.Testing;

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

    private static Task RunAsync(CancellationToken cancellationToken, params string[] arguments) =>
        Tool.RunAsync("vips", arguments, cancellationToken: cancellationToken);

    private static string Format(int value) => value.ToString(CultureInfo.InvariantCulture);
}
