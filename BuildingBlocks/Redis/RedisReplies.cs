using Scrapbook.Redis.Protocol;

namespace Scrapbook.Redis;

/// <summary>Turns the RESP2 reply of each supported command into its .NET result. Error replies never get here.</summary>
internal static class RedisReplies
{
    public static bool Ok(RespValue reply) => reply.Type == RespType.SimpleString
        ? true
        : throw Unexpected("a status reply", reply);

    /// <summary>SET: <c>+OK</c> when written, null when NX found the key already there.</summary>
    public static bool OkOrNull(RespValue reply) => reply.Type switch
    {
        RespType.SimpleString => true,
        RespType.Null => false,
        _ => throw Unexpected("a status or null reply", reply),
    };

    public static string? NullableString(RespValue reply) => reply.Type switch
    {
        RespType.BulkString or RespType.SimpleString => reply.Text,
        RespType.Null => null,
        _ => throw Unexpected("a bulk string", reply),
    };

    public static string String(RespValue reply) => reply.Type is RespType.BulkString or RespType.SimpleString
        ? reply.Text!
        : throw Unexpected("a bulk string", reply);

    public static long Integer(RespValue reply) => reply.Type == RespType.Integer
        ? reply.Integer
        : throw Unexpected("an integer", reply);

    public static bool IntegerAsBool(RespValue reply) => Integer(reply) != 0;

    /// <summary>XRANGE: an array of entries, each <c>[id, [field, value, …]]</c>.</summary>
    public static IReadOnlyList<RedisStreamEntry> StreamEntries(RespValue reply)
    {
        if (reply.Type == RespType.Null)
        {
            return [];
        }

        var items = ArrayOf(reply, "an array of stream entries");
        var entries = new RedisStreamEntry[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            entries[i] = StreamEntry(items[i]);
        }

        return entries;
    }

    /// <summary>XREAD: null when BLOCK timed out, else an array of <c>[key, entries]</c> per stream.</summary>
    public static IReadOnlyList<RedisStreamReadResult> StreamReadResults(RespValue reply)
    {
        if (reply.Type == RespType.Null)
        {
            return [];
        }

        var streams = ArrayOf(reply, "an array of streams");
        var results = new RedisStreamReadResult[streams.Length];
        for (var i = 0; i < streams.Length; i++)
        {
            var pair = ArrayOf(streams[i], "a [key, entries] pair");
            if (pair.Length != 2)
            {
                throw Unexpected("a [key, entries] pair", streams[i]);
            }

            results[i] = new RedisStreamReadResult(String(pair[0]), StreamEntries(pair[1]));
        }

        return results;
    }

    private static RedisStreamEntry StreamEntry(RespValue reply)
    {
        var parts = ArrayOf(reply, "a stream entry");
        if (parts.Length != 2)
        {
            throw Unexpected("a stream entry [id, fields]", reply);
        }

        // An entry deleted after it was read by a consumer group comes back with null fields.
        if (parts[1].Type == RespType.Null)
        {
            return new RedisStreamEntry(String(parts[0]), []);
        }

        var flat = ArrayOf(parts[1], "stream entry fields");
        var fields = new KeyValuePair<string, string>[flat.Length / 2];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = new(String(flat[2 * i]), String(flat[(2 * i) + 1]));
        }

        return new RedisStreamEntry(String(parts[0]), fields);
    }

    private static RespValue[] ArrayOf(RespValue reply, string expected) =>
        reply.Type == RespType.Array ? reply.Items! : throw Unexpected(expected, reply);

    private static RedisException Unexpected(string expected, RespValue reply) =>
        new($"Protocol error: expected {expected} from Redis but got {reply}.");
}
