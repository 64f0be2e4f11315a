using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>
/// libvips' own command-line tool (Debian libvips-tools) as the test corpus's encoder: JPEG, HEIC,
/// AVIF, TIFF and WebP files are made by a separate program, not by the code under test.
/// </summary>
internal static class VipsCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static Task RunAsync(params string[] arguments) => Tool.RunAsync("vips", arguments, timeout: s_timeout);

    /// <summary>Converts a PNG to another format by the output file's suffix (options in [brackets], as vips takes them).</summary>
    public static async Task<byte[]> ConvertAsync(string directory, byte[] png, string outputName)
    {
        var input = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".png");
        await File.WriteAllBytesAsync(input, png);
        var output = Path.Combine(directory, Guid.NewGuid().ToString("N") + "-" + outputName);
        await RunAsync("copy", input, output);
        var bracket = output.IndexOf('[', StringComparison.Ordinal);
        return await File.ReadAllBytesAsync(bracket < 0 ? output : output[..bracket]);
    }
}
