using System.Buffers;
using Scrapbook.Imaging;

namespace Scrapbook.Upload.Api.Uploads;

/// <summary>
/// Finds the commonest broken upload — a file cut short (a dropped connection, a half-copied file) — which a header
/// probe cannot see, without decoding a pixel: a JPEG must reach its end-of-image marker after its first scan, a PNG
/// its IEND chunk. Other damage is left to the thumbnail worker, which decodes and marks the photo failed.
/// </summary>
internal static class Truncation
{
    private const int BufferSize = 81920;
    private static readonly byte[] s_pngEnd = [(byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    public static async Task<bool> IsTruncatedAsync(string path, ImageFormat format, CancellationToken cancellationToken = default) => format switch
    {
        ImageFormat.Jpeg => await IsJpegTruncatedAsync(path, cancellationToken),
        ImageFormat.Png => await IsPngTruncatedAsync(path, cancellationToken),
        _ => false,
    };

    private static async Task<bool> IsJpegTruncatedAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            // Walk the marker segments from SOI to the first start-of-scan; an end-of-image marker can appear inside
            // them (an EXIF thumbnail is a whole JPEG) but never unescaped in entropy-coded data.
            file.Position = 2;
            while (true)
            {
                var marker = await NextMarkerAsync(file, buffer, cancellationToken);
                if (marker is < 0 or 0xD9)
                {
                    return true;
                }

                if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
                {
                    continue;
                }

                if (!await ReadExactAsync(file, buffer.AsMemory(0, 2), cancellationToken))
                {
                    return true;
                }

                var length = (buffer[0] << 8) | buffer[1];
                if (length < 2 || file.Position + length - 2 > file.Length)
                {
                    return true;
                }

                file.Position += length - 2;
                if (marker == 0xDA)
                {
                    break;
                }
            }

            var previousWasFf = false;
            int read;
            while ((read = await file.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                var span = buffer.AsSpan(0, read);
                if (previousWasFf && span[0] == 0xD9)
                {
                    return false;
                }

                for (var i = span.IndexOf((byte)0xFF); i >= 0 && i < span.Length - 1; i = NextFf(span, i + 1))
                {
                    if (span[i + 1] == 0xD9)
                    {
                        return false;
                    }
                }

                previousWasFf = span[^1] == 0xFF;
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int NextFf(ReadOnlySpan<byte> span, int from)
    {
        var next = span[from..].IndexOf((byte)0xFF);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>The next marker code, skipping fill bytes; -1 at the end of the file or where no marker is.</summary>
    private static async Task<int> NextMarkerAsync(FileStream file, byte[] buffer, CancellationToken cancellationToken)
    {
        if (!await ReadExactAsync(file, buffer.AsMemory(0, 1), cancellationToken) || buffer[0] != 0xFF)
        {
            return -1;
        }

        do
        {
            if (!await ReadExactAsync(file, buffer.AsMemory(0, 1), cancellationToken))
            {
                return -1;
            }
        }
        while (buffer[0] == 0xFF);

        return buffer[0];
    }

    private static async Task<bool> ReadExactAsync(FileStream file, Memory<byte> into, CancellationToken cancellationToken) =>
        await file.ReadAtLeastAsync(into, into.Length, throwOnEndOfStream: false, cancellationToken) == into.Length;

    private static async Task<bool> IsPngTruncatedAsync(string path, CancellationToken cancellationToken)
    {
        // IEND is last; encoders rarely append anything after it, so its trailer is looked for near the end only.
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        var tail = (int)Math.Min(file.Length, 64 * 1024);
        var buffer = ArrayPool<byte>.Shared.Rent(tail);
        try
        {
            file.Position = file.Length - tail;
            var read = await file.ReadAtLeastAsync(buffer.AsMemory(0, tail), tail, throwOnEndOfStream: false, cancellationToken);
            return buffer.AsSpan(0, read).IndexOf(s_pngEnd) < 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
