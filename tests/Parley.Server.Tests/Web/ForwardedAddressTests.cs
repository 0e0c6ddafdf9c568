using System.Net;
using Microsoft.Extensions.Primitives;
using Parley.Server.Connections;
using Parley.Server.Web;

namespace Parley.Server.Tests.Web;

public sealed class ForwardedAddressTests
{
    private static readonly IPNetwork[] Proxies = ConnectionLimiter.ParseNetworks(["127.0.0.1", "10.0.0.0/8"]);

    [Theory]
    // From a trusted proxy: the address it appended (the rightmost untrusted one).
    [InlineData("127.0.0.1", null, "192.0.2.7", "192.0.2.7")]
    [InlineData("127.0.0.1", null, "192.0.2.66, 192.0.2.7", "192.0.2.7")]
    // A chain of trusted proxies is walked through.
    [InlineData("127.0.0.1", null, "192.0.2.7, 10.1.2.3", "192.0.2.7")]
    // What the client wrote itself stays on the left, unread.
    [InlineData("127.0.0.1", null, "10.9.9.9, 192.0.2.7", "192.0.2.7")]
    // Not from a trusted proxy: the headers are ignored.
    [InlineData("192.0.2.200", null, "192.0.2.7", "192.0.2.200")]
    [InlineData("192.0.2.200", "for=192.0.2.7", null, "192.0.2.200")]
    // Forwarded (RFC 7239), with ports, IPv6 and quoting; it wins over X-Forwarded-For.
    [InlineData("127.0.0.1", "for=192.0.2.43;proto=https", "192.0.2.99", "192.0.2.43")]
    [InlineData("127.0.0.1", "for=\"[2001:db8:cafe::17]:4711\"", null, "2001:db8:cafe::17")]
    [InlineData("127.0.0.1", "for=\"192.0.2.60:8080\";by=10.0.0.1, for=10.0.0.2", null, "192.0.2.60")]
    [InlineData("127.0.0.1", "For=192.0.2.60, for=unknown", null, "127.0.0.1")]
    // Garbage: the proxy's own address.
    [InlineData("127.0.0.1", null, "not-an-address", "127.0.0.1")]
    [InlineData("127.0.0.1", null, null, "127.0.0.1")]
    // IPv4-mapped peers are matched as IPv4.
    [InlineData("::ffff:127.0.0.1", null, "192.0.2.7", "192.0.2.7")]
    public void Resolve_TakesTheFirstUntrustedHopFromTheRight(string peer, string? forwarded, string? xff, string expected)
    {
        var result = ForwardedAddress.Resolve(IPAddress.Parse(peer),
            forwarded is null ? StringValues.Empty : new StringValues(forwarded),
            xff is null ? StringValues.Empty : new StringValues(xff), Proxies);
        Assert.Equal(IPAddress.Parse(expected), result);
    }

    [Fact]
    public void Resolve_NoTrustedProxies_IsThePeer()
        => Assert.Equal(IPAddress.Loopback, ForwardedAddress.Resolve(IPAddress.Loopback, StringValues.Empty, "192.0.2.7", []));

    [Fact]
    public void Resolve_AVeryLongChainOfProxies_StopsAfterMaxHops()
    {
        var chain = string.Join(", ", Enumerable.Range(1, 100).Select(i => $"10.0.0.{i % 250 + 1}"));
        var result = ForwardedAddress.Resolve(IPAddress.Loopback, StringValues.Empty, "192.0.2.7, " + chain, Proxies);
        // Cut after MaxHops: still a proxy's address, never the far end of the chain.
        Assert.Equal(10, result.GetAddressBytes()[0]);
    }
}
