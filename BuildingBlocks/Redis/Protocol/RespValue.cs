namespace Scrapbook.Redis.Protocol;

internal enum RespType : byte
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,

    /// <summary>RESP2's null bulk string (<c>$-1</c>) or null array (<c>*-1</c>).</summary>
    Null,
}

/// <summary>One parsed RESP2 reply. Strings are decoded as UTF-8; arrays hold their parsed elements.</summary>
internal readonly struct RespValue
{
    private RespValue(RespType type, string? text, long integer, RespValue[]? items)
    {
        Type = type;
        Text = text;
        Integer = integer;
        Items = items;
    }

    public RespType Type { get; }

    /// <summary>The text of a simple string, error or bulk string.</summary>
    public string? Text { get; }

    public long Integer { get; }

    public RespValue[]? Items { get; }

    public static RespValue Null => new(RespType.Null, null, 0, null);

    public static RespValue SimpleString(string text) => new(RespType.SimpleString, text, 0, null);

    public static RespValue Error(string text) => new(RespType.Error, text, 0, null);

    public static RespValue FromInteger(long value) => new(RespType.Integer, null, value, null);

    public static RespValue BulkString(string text) => new(RespType.BulkString, text, 0, null);

    public static RespValue Array(RespValue[] items) => new(RespType.Array, null, 0, items);

    public override string ToString() => Type switch
    {
        RespType.Integer => $"integer {Integer}",
        RespType.Array => $"array of {Items!.Length}",
        RespType.Null => "null",
        _ => $"{Type} \"{Text}\"",
    };
}
