using System.Runtime.InteropServices;
using Scrapbook.Imaging.Interop;

namespace Scrapbook.Imaging;

/// <summary>
/// The bytes of one image: a file on disk, or a stream copied into native memory (bounded by
/// MaxBytes) that libvips reads in place. Dispose only after every image made from it.
/// </summary>
internal sealed class ImageInput : IDisposable
{
    private readonly string? _path;
    private nint _memory;

    private ImageInput(string? path, nint memory, long length, byte[] header)
    {
        _path = path;
        _memory = memory;
        Length = length;
        Header = header;
    }

    public long Length { get; }

    /// <summary>The first bytes, for sniffing.</summary>
    public byte[] Header { get; }

    public static ImageInput FromFile(string path, long maxBytes)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.None);
        var length = file.Length;
        if (length > maxBytes)
        {
            throw TooLarge(maxBytes, length);
        }

        var header = new byte[Math.Min(FormatSnifferHeader, length)];
        file.ReadExactly(header);
        return new ImageInput(path, 0, length, header);
    }

    public static async Task<ImageInput> FromStreamAsync(Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw TooLarge(maxBytes, content.Length - content.Position);
        }

        // Grow a native buffer as the stream goes, refusing at the first byte past the limit.
        var capacity = content.CanSeek ? Math.Max(1, content.Length - content.Position) : 1 << 20;
        var memory = NativeBuffer.Allocate(capacity);
        long length = 0;
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (length + read > maxBytes)
                {
                    throw TooLarge(maxBytes, length + read, atLeast: true);
                }

                if (length + read > capacity)
                {
                    capacity = Math.Min(maxBytes, Math.Max(length + read, capacity * 2));
                    memory = NativeBuffer.Resize(memory, capacity);
                }

                NativeBuffer.Write(memory, length, chunk.AsSpan(0, read));
                length += read;
            }
        }
        catch
        {
            NativeBuffer.Free(memory);
            throw;
        }

        return new ImageInput(null, memory, length, NativeBuffer.Read(memory, Math.Min(FormatSnifferHeader, length)).ToArray());
    }

    public VipsSourceHandle OpenSource() =>
        _path is not null ? VipsSourceHandle.FromFile(_path) : VipsSourceHandle.FromMemory(_memory, (nuint)Length);

    /// <summary>Random access to the bytes without reading them all: for structure checks.</summary>
    public Formats.ByteSource OpenBytes() =>
        _path is not null ? Formats.ByteSource.ForFile(_path, Length) : Formats.ByteSource.ForMemory(_memory, Length);

    /// <summary>All the bytes, for the managed BMP decoder (bounded by MaxBytes on the way in).</summary>
    public ReadOnlySpan<byte> ReadAll() =>
        _path is not null ? File.ReadAllBytes(_path) : NativeBuffer.Read(_memory, Length);

    public void Dispose()
    {
        if (_memory != 0)
        {
            NativeBuffer.Free(_memory);
            _memory = 0;
        }
    }

    private const int FormatSnifferHeader = Formats.FormatSniffer.HeaderLength;

    private static ImageRejectedException TooLarge(long limit, long actual, bool atLeast = false) =>
        new(ImageRejectionReason.TooLarge,
            atLeast
                ? $"The upload is more than {limit} bytes, the limit (Imaging:MaxBytes); reading stopped at {actual} bytes."
                : $"The file is {actual} bytes; the limit (Imaging:MaxBytes) is {limit} bytes.",
            limit, actual);
}

/// <summary>Native memory that libvips can read in place (the GC never moves it).</summary>
internal static unsafe class NativeBuffer
{
    public static nint Allocate(long bytes) => (nint)NativeMemory.Alloc((nuint)bytes);

    public static nint Resize(nint memory, long bytes) => (nint)NativeMemory.Realloc((void*)memory, (nuint)bytes);

    public static void Write(nint memory, long offset, ReadOnlySpan<byte> data) => data.CopyTo(new Span<byte>((byte*)memory + offset, data.Length));

    public static ReadOnlySpan<byte> Read(nint memory, long length) => new((void*)memory, checked((int)length));

    public static void Free(nint memory) => NativeMemory.Free((void*)memory);
}
