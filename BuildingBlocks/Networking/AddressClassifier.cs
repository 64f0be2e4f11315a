using System.Net;
using System.Net.Sockets;

namespace Scrapbook.Networking;

/// <summary>Why an address may not be fetched from; <see cref="Public"/> is the only one that may.</summary>
public enum AddressClass
{
    Public,
    Loopback,
    Private,
    LinkLocal,
    SharedAddressSpace,
    Unspecified,
    Multicast,
    Broadcast,
    CloudMetadata,
    UniqueLocal,
    Reserved,
}

/// <summary>
/// Decides whether the server may open a connection to an address on a user's behalf. IPv4-mapped
/// (<c>::ffff:a.b.c.d</c>), IPv4-compatible (<c>::a.b.c.d</c>), NAT64 (<c>64:ff9b::/96</c>) and 6to4
/// (<c>2002::/16</c>) IPv6 forms are judged by the IPv4 address they carry, so no spelling of a blocked
/// IPv4 address gets through.
/// </summary>
public static class AddressClassifier
{
    public static AddressClass Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => AddressClass.Reserved,
        };
    }

    private static AddressClass ClassifyV4(ReadOnlySpan<byte> b)
    {
        return b switch
        {
            [0, 0, 0, 0] => AddressClass.Unspecified,
            [255, 255, 255, 255] => AddressClass.Broadcast,
            [0, ..] => AddressClass.Reserved, // "this network" (RFC 791); Linux connects 0.x.y.z to the local host
            [127, ..] => AddressClass.Loopback,
            [10, ..] => AddressClass.Private,
            [172, >= 16 and <= 31, ..] => AddressClass.Private,
            [192, 168, ..] => AddressClass.Private,
            [169, 254, 169, 254] => AddressClass.CloudMetadata,
            [169, 254, ..] => AddressClass.LinkLocal,
            [100, >= 64 and <= 127, ..] => AddressClass.SharedAddressSpace,
            [168, 63, 129, 16] => AddressClass.CloudMetadata, // Azure's wire server
            [192, 0, 0, ..] => AddressClass.Reserved, // IETF protocol assignments (RFC 6890)
            [192, 0, 2, ..] or [198, 51, 100, ..] or [203, 0, 113, ..] => AddressClass.Reserved, // documentation
            [198, 18 or 19, ..] => AddressClass.Reserved, // benchmarking
            [>= 224 and <= 239, ..] => AddressClass.Multicast,
            [>= 240, ..] => AddressClass.Reserved,
            _ => AddressClass.Public,
        };
    }

    private static AddressClass ClassifyV6(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);

        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(b[12..]);
        }

        if (b[..15].IndexOfAnyExcept((byte)0) < 0)
        {
            return b[15] switch
            {
                0 => AddressClass.Unspecified,
                1 => AddressClass.Loopback,
                _ => ClassifyV4(b[12..]), // IPv4-compatible ::a.b.c.d (deprecated, still routable by some stacks)
            };
        }

        if (b[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..]); // IPv4-compatible with a non-zero third quarter, e.g. ::7f00:1
        }

        // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address through a translator.
        if (b[..12].SequenceEqual((ReadOnlySpan<byte>)[0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]))
        {
            return ClassifyV4(b[12..]);
        }

        // 6to4 2002:AABB:CCDD::/48 carries the IPv4 address AA.BB.CC.DD.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return ClassifyV4(b[2..6]);
        }

        return b[0] switch
        {
            0xff => AddressClass.Multicast,
            >= 0xfc and <= 0xfd => AddressClass.UniqueLocal,
            0xfe when (b[1] & 0xc0) == 0x80 => AddressClass.LinkLocal, // fe80::/10
            0xfe when (b[1] & 0xc0) == 0xc0 => AddressClass.Private, // fec0::/10, deprecated site-local
            _ when b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => AddressClass.Reserved, // 2001:db8::/32 documentation
            _ when b[0] == 0x01 && b[1..8].IndexOfAnyExcept((byte)0) < 0 => AddressClass.Reserved, // 100::/64 discard
            _ => AddressClass.Public,
        };
    }
}
