using Microsoft.Win32.SafeHandles;

namespace Scrapbook.Imaging.Formats;

/// <summary>
/// Random access to an input's bytes for structure checks: native memory read in place, or a file
/// read through one reusable window (positioned reads, so a file that shrinks underneath only reads short).
/// </summary>
internal sealed unsafe class ByteSource : IDisposable
{
    private const int WindowSize = 64 * 1024;

    private readonly nint _memory;
    private readonly SafeFileHandle? _file;
    private byte[]? _window;
    private long _windowStart;
    private int _windowLength;

    private ByteSource(nint memory, SafeFileHandle? file, long length)
    {
        _memory = memory;
        _file = file;
        Length = length;
    }

    public long Length { get; }

    public static ByteSource ForMemory(nint memory, long length) => new(memory, null, length);

    public static ByteSource ForFile(string path, long length) =>
        new(0, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess), length);

    /// <summary>The byte at <paramref name="position"/>, or -1 past the end.</summary>
    public int this[long position] => Slice(position, 1) is [var value] ? value : -1;

    /// <summary>Up to <paramref name="count"/> (at most 64 KB) bytes from <paramref name="position"/>; fewer at the end.</summary>
    public ReadOnlySpan<byte> Slice(long position, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, WindowSize);
        if (position < 0 || position >= Length)
        {
            return [];
        }

        count = (int)Math.Min(count, Length - position);
        if (_file is null)
        {
            return new ReadOnlySpan<byte>((byte*)_memory + position, count);
        }

        if (_window is null || position < _windowStart || position + count > _windowStart + _windowLength)
        {
            _window ??= new byte[WindowSize];
            _windowStart = position;
            _windowLength = 0;
            int read;
            while (_windowLength < WindowSize && (read = RandomAccess.Read(_file, _window.AsSpan(_windowLength), position + _windowLength)) > 0)
            {
                _windowLength += read;
            }
        }

        var offset = (int)(position - _windowStart);
        return _window.AsSpan(offset, Math.Min(count, _windowLength - offset));
    }

    /// <summary>The first <paramref name="value"/> at or after <paramref name="from"/>, or -1.</summary>
    public long IndexOf(byte value, long from)
    {
        for (var position = from; position < Length;)
        {
            var chunk = Slice(position, WindowSize);
            if (chunk.IsEmpty)
            {
                return -1;
            }

            var index = chunk.IndexOf(value);
            if (index >= 0)
            {
                return position + index;
            }

            position += chunk.Length;
        }

        return -1;
    }

    /// <summary>The last <paramref name="pattern"/> starting at or after <paramref name="from"/>, or -1.</summary>
    public long LastIndexOf(ReadOnlySpan<byte> pattern, long from)
    {
        from = Math.Max(0, from);
        var end = Length;
        while (end - from >= pattern.Length)
        {
            var start = Math.Max(from, end - WindowSize);
            var index = Slice(start, (int)(end - start)).LastIndexOf(pattern);
            if (index >= 0)
            {
                return start + index;
            }

            // Overlap by the pattern's length less one, so a match across the boundary is found.
            end = start + pattern.Length - 1;
            if (start == from)
            {
                break;
            }
        }

        return -1;
    }

    public void Dispose() => _file?.Dispose();
}
