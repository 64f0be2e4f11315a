using System.Buffers;
using System.Net;

namespace Scrapbook.Gateway.Forwarding;

/// <summary>
/// The client's request body, copied to the destination as it arrives: one pooled buffer, never the whole body.
/// Its length is whatever the client's <c>Content-Length</c> said (copied as a content header), else chunked.
/// </summary>
internal sealed class StreamingRequestContent(Stream source, IdleTimeout idle, CancellationToken clientAborted) : HttpContent
{
    private const int BufferSize = 64 * 1024;

    /// <summary>True once the body began to be read, after which the request cannot be replayed elsewhere.</summary>
    public bool Started { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Started = true;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token, clientAborted);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, linked.Token)) > 0)
            {
                idle.Reset();
                await stream.WriteAsync(buffer.AsMemory(0, read), linked.Token);
                idle.Reset();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
