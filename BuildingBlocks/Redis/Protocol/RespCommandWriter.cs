using System.Buffers;
using System.Globalization;
using System.Text;

namespace Scrapbook.Redis.Protocol;

/// <summary>
/// Encodes one command the way RESP requires clients to send them: an array of bulk strings
/// (<c>*N\r\n$len\r\narg\r\n…</c>). The bytes go to a pooled buffer on the caller's thread,
/// so the connection's write loop only copies them.
/// </summary>
internal struct RespCommandWriter
{
    private const int InitialSize = 128;
    private const int MaxLongDigits = 20;

    private byte[] _buffer;
    private int _length;
    private int _remainingArguments;

    public RespCommandWriter(int argumentCount)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
        _length = 0;
        _remainingArguments = argumentCount;
        WriteHeader((byte)'*', argumentCount);
    }

    /// <summary>Adds an ASCII literal such as a command name or keyword.</summary>
    public void Add(ReadOnlySpan<byte> utf8)
    {
        _remainingArguments--;
        WriteHeader((byte)'$', utf8.Length);
        EnsureCapacity(utf8.Length + 2);
        utf8.CopyTo(_buffer.AsSpan(_length));
        _length += utf8.Length;
        WriteCrlf();
    }

    public void Add(string value)
    {
        _remainingArguments--;
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteHeader((byte)'$', byteCount);
        EnsureCapacity(byteCount + 2);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        WriteCrlf();
    }

    public void Add(long value)
    {
        Span<byte> digits = stackalloc byte[MaxLongDigits];
        value.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
        Add(digits[..written]);
    }

    /// <summary>Hands the encoded bytes over; the writer must not be used afterwards.</summary>
    public RespPayload Complete()
    {
        if (_remainingArguments != 0)
        {
            throw new InvalidOperationException("The command was declared with a different number of arguments than were added.");
        }

        var payload = new RespPayload(_buffer, _length);
        _buffer = [];
        return payload;
    }

    private void WriteHeader(byte prefix, int count)
    {
        EnsureCapacity(1 + MaxLongDigits + 2);
        _buffer[_length++] = prefix;
        count.TryFormat(_buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture);
        _length += written;
        WriteCrlf();
    }

    private void WriteCrlf()
    {
        EnsureCapacity(2);
        _buffer[_length++] = (byte)'\r';
        _buffer[_length++] = (byte)'\n';
    }

    private void EnsureCapacity(int additional)
    {
        if (_length + additional <= _buffer.Length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + additional));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}

/// <summary>An encoded command in a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
internal readonly struct RespPayload(byte[] buffer, int length)
{
    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public int Length => length;

    public void Return() => ArrayPool<byte>.Shared.Return(buffer);
}
