using System.Net;

namespace Scrapbook.Networking.Tests;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1", nameof(AddressClass.Loopback))]
    [InlineData("127.255.255.254", nameof(AddressClass.Loopback))]
    [InlineData("0.0.0.0", nameof(AddressClass.Unspecified))]
    [InlineData("0.1.2.3", nameof(AddressClass.Reserved))]
    [InlineData("10.0.0.1", nameof(AddressClass.Private))]
    [InlineData("10.255.255.255", nameof(AddressClass.Private))]
    [InlineData("172.16.0.1", nameof(AddressClass.Private))]
    [InlineData("172.31.255.255", nameof(AddressClass.Private))]
    [InlineData("192.168.1.1", nameof(AddressClass.Private))]
    [InlineData("169.254.0.1", nameof(AddressClass.LinkLocal))]
    [InlineData("169.254.169.254", nameof(AddressClass.CloudMetadata))]
    [InlineData("168.63.129.16", nameof(AddressClass.CloudMetadata))]
    [InlineData("100.64.0.1", nameof(AddressClass.SharedAddressSpace))]
    [InlineData("100.127.255.255", nameof(AddressClass.SharedAddressSpace))]
    [InlineData("224.0.0.1", nameof(AddressClass.Multicast))]
    [InlineData("239.255.255.250", nameof(AddressClass.Multicast))]
    [InlineData("255.255.255.255", nameof(AddressClass.Broadcast))]
    [InlineData("240.0.0.1", nameof(AddressClass.Reserved))]
    [InlineData("192.0.2.1", nameof(AddressClass.Reserved))]
    public void BlockedIpv4AddressesAreClassifiedByTheirRange(string address, string expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)).ToString());

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.15.255.255")]
    [InlineData("172.32.0.1")]
    [InlineData("100.63.255.255")]
    [InlineData("100.128.0.1")]
    [InlineData("169.253.255.255")]
    [InlineData("11.0.0.1")]
    [InlineData("168.63.129.17")]
    [InlineData("223.255.255.255")]
    public void PublicIpv4AddressesNextToBlockedRangesAreAllowed(string address) =>
        Assert.Equal(AddressClass.Public, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("::1", nameof(AddressClass.Loopback))]
    [InlineData("::", nameof(AddressClass.Unspecified))]
    [InlineData("fc00::1", nameof(AddressClass.UniqueLocal))]
    [InlineData("fd12:3456:789a::1", nameof(AddressClass.UniqueLocal))]
    [InlineData("fe80::1", nameof(AddressClass.LinkLocal))]
    [InlineData("fe80::1%2", nameof(AddressClass.LinkLocal))]
    [InlineData("febf::1", nameof(AddressClass.LinkLocal))]
    [InlineData("fec0::1", nameof(AddressClass.Private))]
    [InlineData("ff02::1", nameof(AddressClass.Multicast))]
    [InlineData("2001:db8::1", nameof(AddressClass.Reserved))]
    public void BlockedIpv6AddressesAreClassifiedByTheirRange(string address, string expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)).ToString());

    [Theory]
    [InlineData("::ffff:127.0.0.1", nameof(AddressClass.Loopback))]
    [InlineData("::ffff:7f00:1", nameof(AddressClass.Loopback))]
    [InlineData("::ffff:10.0.0.1", nameof(AddressClass.Private))]
    [InlineData("::ffff:169.254.169.254", nameof(AddressClass.CloudMetadata))]
    [InlineData("::ffff:0.0.0.0", nameof(AddressClass.Unspecified))]
    [InlineData("::127.0.0.1", nameof(AddressClass.Loopback))]
    [InlineData("::7f00:1", nameof(AddressClass.Loopback))]
    [InlineData("::10.0.0.1", nameof(AddressClass.Private))]
    [InlineData("::a9fe:a9fe", nameof(AddressClass.CloudMetadata))]
    [InlineData("64:ff9b::127.0.0.1", nameof(AddressClass.Loopback))]
    [InlineData("64:ff9b::a9fe:a9fe", nameof(AddressClass.CloudMetadata))]
    [InlineData("2002:7f00:1::", nameof(AddressClass.Loopback))]
    [InlineData("2002:c0a8:101::1", nameof(AddressClass.Private))]
    public void Ipv4AddressesWrittenAsIpv6AreJudgedByTheIpv4AddressTheyCarry(string address, string expected) =>
        Assert.Equal(expected, AddressClassifier.Classify(IPAddress.Parse(address)).ToString());

    [Theory]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2002:808:808::1")]
    public void PublicIpv6AddressesAreAllowed(string address) =>
        Assert.Equal(AddressClass.Public, AddressClassifier.Classify(IPAddress.Parse(address)));

    [Theory]
    [InlineData("2130706433")]
    [InlineData("0x7f.1")]
    [InlineData("0177.0.0.1")]
    [InlineData("127.1")]
    public void ShorthandIpv4SpellingsOfLoopbackParseToLoopback(string spelling) =>
        Assert.Equal(AddressClass.Loopback, AddressClassifier.Classify(IPAddress.Parse(spelling)));
}
