using System.Text;

namespace Scrapbook.ServiceDefaults.Tests.Infrastructure;

/// <summary>
/// Just enough of the protobuf wire format (protobuf.dev, "Encoding") to walk OTLP messages: varints, 64- and 32-bit
/// fixed values, and length-delimited fields. Groups (wire types 3 and 4, deprecated) are not supported.
/// </summary>
internal sealed class ProtobufReader(ReadOnlyMemory<byte> message)
{
    private int _position;

    public bool TryReadTag(out int fieldNumber, out WireType wireType)
    {
        if (_position >= message.Length)
        {
            fieldNumber = 0;
            wireType = default;
            return false;
        }

        var tag = ReadVarint();
        fieldNumber = checked((int)(tag >> 3));
        wireType = (WireType)(tag & 0x7);
        return true;
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = message.Span[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("Varint longer than 10 bytes.");
    }

    public ReadOnlyMemory<byte> ReadLengthDelimited()
    {
        var length = checked((int)ReadVarint());
        var value = message.Slice(_position, length);
        _position += length;
        return value;
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadLengthDelimited().Span);

    public ulong ReadFixed64()
    {
        var value = BitConverter.ToUInt64(message.Span.Slice(_position, 8));
        _position += 8;
        return value;
    }

    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                _position += 8;
                break;
            case WireType.LengthDelimited:
                ReadLengthDelimited();
                break;
            case WireType.Fixed32:
                _position += 4;
                break;
            default:
                throw new InvalidDataException($"Unsupported wire type {wireType}.");
        }
    }
}

internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
