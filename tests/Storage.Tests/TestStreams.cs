namespace Scrapbook.Storage.Tests;

/// <summary>
/// A deterministic, non-seekable stream of <c>length</c> bytes generated on the fly, so a test can send
/// 100 MB without allocating it, and check what comes back with <see cref="ByteAt"/>.
/// </summary>
internal sealed class PatternStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>The byte at <paramref name="position"/>; not periodic in any block size the stores use.</summary>
    public static byte ByteAt(long position) => (byte)(position ^ (position >> 8) ^ (position >> 16) ^ (position >> 24));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = ByteAt(_position + i);
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}


internal static class StreamAssertions
{
    public static async Task<byte[]> ReadAllAsync(this BlobDownload download, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await download.Content.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    public static byte[] Pattern(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(PatternStream.ByteAt(i) + seed);
        }

        return bytes;
    }
}
