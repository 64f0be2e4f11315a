using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Scrapbook.Redis.Protocol;

/// <summary>
/// Parses RESP2 replies (simple string <c>+</c>, error <c>-</c>, integer <c>:</c>, bulk string <c>$</c>,
/// array <c>*</c>, and the null forms <c>$-1</c> / <c>*-1</c>) from a possibly fragmented buffer.
/// RESP3 types are rejected: the client never sends HELLO 3, so a server never sends them.
/// </summary>
internal static class RespReader
{
    // The deepest reply this client asks for is XREAD's (streams → entries → entry → fields);
    // the limit only stops a corrupt stream from recursing without bound.
    private const int MaxDepth = 32;

    // Redis's own proto-max-bulk-len default.
    private const long MaxBulkLength = 512L * 1024 * 1024;

    private static readonly RespValue s_ok = RespValue.SimpleString("OK");
    private static readonly RespValue s_pong = RespValue.SimpleString("PONG");
    private static readonly RespValue s_emptyArray = RespValue.Array([]);

    /// <summary>
    /// Reads one complete reply. Returns false, leaving <paramref name="reader"/> where it was,
    /// when the buffer ends before the reply does.
    /// </summary>
    /// <exception cref="RedisException">The bytes are not valid RESP2.</exception>
    public static bool TryRead(ref SequenceReader<byte> reader, out RespValue value)
    {
        var probe = reader;
        if (TryRead(ref probe, out value, depth: 0))
        {
            reader = probe;
            return true;
        }

        return false;
    }

    private static bool TryRead(ref SequenceReader<byte> reader, out RespValue value, int depth)
    {
        value = default;
        if (!reader.TryRead(out var prefix))
        {
            return false;
        }

        switch (prefix)
        {
            case (byte)'+':
                if (!TryReadLine(ref reader, out var simple))
                {
                    return false;
                }

                value = simple.SequenceEqual("OK"u8) ? s_ok
                    : simple.SequenceEqual("PONG"u8) ? s_pong
                    : RespValue.SimpleString(Encoding.UTF8.GetString(simple));
                return true;

            case (byte)'-':
                if (!TryReadLine(ref reader, out var error))
                {
                    return false;
                }

                value = RespValue.Error(Encoding.UTF8.GetString(error));
                return true;

            case (byte)':':
                if (!TryReadLine(ref reader, out var integer))
                {
                    return false;
                }

                value = RespValue.FromInteger(ParseInteger(integer));
                return true;

            case (byte)'$':
                return TryReadBulkString(ref reader, out value);

            case (byte)'*':
                return TryReadArray(ref reader, out value, depth);

            default:
                throw new RedisException(
                    $"Protocol error: unexpected RESP type byte 0x{prefix:X2}; this client speaks RESP2 only.");
        }
    }

    private static bool TryReadBulkString(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, out var header))
        {
            return false;
        }

        var length = ParseInteger(header);
        if (length == -1)
        {
            value = RespValue.Null;
            return true;
        }

        if (length is < 0 or > MaxBulkLength)
        {
            throw new RedisException($"Protocol error: bulk string length {length} is out of range.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var payload = reader.UnreadSequence.Slice(0, length);
        var text = payload.IsSingleSegment
            ? Encoding.UTF8.GetString(payload.FirstSpan)
            : Encoding.UTF8.GetString(payload);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RedisException("Protocol error: bulk string is not followed by CRLF.");
        }

        value = RespValue.BulkString(text);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, out RespValue value, int depth)
    {
        value = default;
        if (!TryReadLine(ref reader, out var header))
        {
            return false;
        }

        var count = ParseInteger(header);
        if (count == -1)
        {
            value = RespValue.Null;
            return true;
        }

        if (count == 0)
        {
            value = s_emptyArray;
            return true;
        }

        // Every element takes at least three bytes ("+\r\n"), so a count beyond what has arrived
        // is either incomplete or hostile; either way, don't allocate for it yet.
        if (count < 0 || count > int.MaxValue)
        {
            throw new RedisException($"Protocol error: array length {count} is out of range.");
        }

        if (depth >= MaxDepth)
        {
            throw new RedisException($"Protocol error: arrays nested deeper than {MaxDepth}.");
        }

        if (reader.Remaining < count * 3)
        {
            return false;
        }

        var items = new RespValue[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryRead(ref reader, out items[i], depth + 1))
            {
                return false;
            }
        }

        value = RespValue.Array(items);
        return true;
    }

    private static bool TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySpan<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\n'))
        {
            return false;
        }

        if (line.IsEmpty || line[^1] != (byte)'\r')
        {
            throw new RedisException("Protocol error: line is not terminated by CRLF.");
        }

        line = line[..^1];
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> text)
    {
        if (!Utf8Parser.TryParse(text, out long value, out var consumed) || consumed != text.Length)
        {
            throw new RedisException($"Protocol error: '{Encoding.ASCII.GetString(text)}' is not an integer.");
        }

        return value;
    }
}
