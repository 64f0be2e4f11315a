using System.Buffers;
using System.Text;
using Scrapbook.Redis.Protocol;

namespace Scrapbook.Redis.Tests;

/// <summary>
/// Real servers rarely split a reply across reads on loopback, so fragmentation is exercised here
/// on the parser alone: every reply must parse identically however the bytes are cut.
/// </summary>
public sealed class RespReaderTests
{
    public static TheoryData<string, string> Replies => new()
    {
        { "+OK\r\n", "+OK" },
        { "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "-WRONGTYPE Operation against a key holding the wrong kind of value" },
        { ":-42\r\n", ":-42" },
        { "$4\r\nhé!\r\n", "$hé!" },
        { "$0\r\n\r\n", "$" },
        { "$-1\r\n", "null" },
        { "*-1\r\n", "null" },
        { "*0\r\n", "[]" },
        { "$12\r\nline\r\nbreaks\r\n", "$line\r\nbreaks" },
        { "*2\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n:7\r\n", "[[$1-0,[$f,$v]],:7]" },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void EveryReplyParsesTheSameWhereverTheBufferIsSplit(string wire, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var reader = new SequenceReader<byte>(Segments(bytes[..cut], bytes[cut..]));
            Assert.True(RespReader.TryRead(ref reader, out var value), $"cut at {cut}");
            Assert.Equal(expected, Describe(value));
            Assert.True(reader.End);
        }

        var bytewise = new SequenceReader<byte>(Segments([.. bytes.Select(b => new[] { b })]));
        Assert.True(RespReader.TryRead(ref bytewise, out var single));
        Assert.Equal(expected, Describe(single));
    }

    [Theory]
    [MemberData(nameof(Replies))]
    public void AnIncompleteReplyIsNotConsumed(string wire, string expected)
    {
        _ = expected;
        var bytes = Encoding.UTF8.GetBytes(wire);
        for (var length = 0; length < bytes.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(RespReader.TryRead(ref reader, out _), $"{length} of {bytes.Length} bytes");
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void SeveralPipelinedRepliesAreReadOneAfterAnother()
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("+OK\r\n:1\r\n$1\r\nx\r\n:2"u8.ToArray()));

        Assert.True(RespReader.TryRead(ref reader, out var first));
        Assert.True(RespReader.TryRead(ref reader, out var second));
        Assert.True(RespReader.TryRead(ref reader, out var third));
        Assert.False(RespReader.TryRead(ref reader, out _));
        Assert.Equal(["+OK", ":1", "$x"], [Describe(first), Describe(second), Describe(third)]);
    }

    [Theory]
    [InlineData("%1\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("+OK\n")]
    [InlineData("$3\r\nabcXY")]
    [InlineData("$-7\r\n")]
    public void MalformedOrRESP3RepliesAreProtocolErrors(string wire)
    {
        var error = Assert.Throws<RedisException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(wire)));
            RespReader.TryRead(ref reader, out _);
        });

        Assert.StartsWith("Protocol error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CommandsAreEncodedAsArraysOfBulkStrings()
    {
        var command = new RespCommandWriter(4);
        command.Add("SET"u8);
        command.Add("clé");
        command.Add(new string('v', 300));
        command.Add(-12);
        var payload = command.Complete();

        var expected = $"*4\r\n$3\r\nSET\r\n$4\r\nclé\r\n$300\r\n{new string('v', 300)}\r\n$3\r\n-12\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(payload.Span));
        payload.Return();
    }

    private static string Describe(RespValue value) => value.Type switch
    {
        RespType.SimpleString => "+" + value.Text,
        RespType.Error => "-" + value.Text,
        RespType.Integer => ":" + value.Integer,
        RespType.BulkString => "$" + value.Text,
        RespType.Null => "null",
        RespType.Array => "[" + string.Join(",", value.Items!.Select(Describe)) + "]",
        _ => throw new ArgumentOutOfRangeException(nameof(value)),
    };

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], null);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = new Segment(part, last);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, Segment? previous)
        {
            Memory = data;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
