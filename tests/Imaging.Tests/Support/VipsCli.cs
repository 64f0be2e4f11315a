using Scrapbook.Testing;

namespace Scrapbook.Imaging.Tests.Support;

/// <summary>
/// libvips' own command-line tool (Debian libvips-tools) as the test corpus's encoder: JPEG, HEIC,
/// AVIF, TIFF and WebP files are made by a separate program, not by the code under test.
/// </summary>
internal static class VipsCli
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    public static async Task RunAsync(params string[] arguments)
    {
        await using var process = ServerProcess.Start("vips", arguments);
        var deadline = DateTime.UtcNow + s_timeout;
        while (!process.HasExited)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"vips {string.Join(' ', arguments)} did not finish in {s_timeout}.");
            }

            await Task.Delay(10);
        }

        var exitCode = await process.TerminateAsync(TimeSpan.Zero);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"vips {string.Join(' ', arguments)} exited with {exitCode}:{Environment.NewLine}{process.Output}");
        }
    }

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
