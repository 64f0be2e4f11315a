using Azure.Core;

namespace Scrapbook.Storage;

/// <summary>
/// A request body read straight from the caller's seekable stream. Unlike <c>RequestContent.Create(stream)</c> it does
/// not dispose the stream (the caller owns it); like it, it rewinds to where it started before each retry.
/// </summary>
internal sealed class BorrowedStreamContent : RequestContent
{
    private const int CopyBufferSize = 81920;

    private readonly Stream _stream;
    private readonly long _origin;

    public BorrowedStreamContent(Stream stream)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException("The stream must be seekable so a retry can resend it.", nameof(stream));
        }

        _stream = stream;
        _origin = stream.Position;
    }

    public override bool TryComputeLength(out long length)
    {
        length = _stream.Length - _origin;
        return true;
    }

    public override void WriteTo(Stream stream, CancellationToken cancellation)
    {
        _stream.Position = _origin;
        _stream.CopyTo(stream, CopyBufferSize);
    }

    public override async Task WriteToAsync(Stream stream, CancellationToken cancellation)
    {
        _stream.Position = _origin;
        await _stream.CopyToAsync(stream, CopyBufferSize, cancellation).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        // The stream belongs to the caller of PutIfAbsentAsync.
    }
}
