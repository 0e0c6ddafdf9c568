using System.Net;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Connections;
using Parley.Server.Hosting;

namespace Parley.Server.Tests.Security;

public sealed class ConnectionLimiterTests
{
    private readonly FakeTimeProvider _time = new();

    private ConnectionLimiter Limiter(ConnectionLimitOptions options, int? descriptors = null)
        => new(() => options, _time, descriptors);

    private static ConnectionLimitOptions NoExempt(ConnectionLimitOptions o) => o with { Exempt = [] };

    [Fact]
    public void PerAddress_RefusesBeyondTheLimit_UntilOneLeaves()
    {
        var limiter = Limiter(NoExempt(new() { MaxPerAddress = 2 }));
        var a = IPAddress.Parse("192.0.2.7");

        var first = limiter.TryAdmit(a);
        var second = limiter.TryAdmit(a);
        var third = limiter.TryAdmit(a);

        Assert.True(first.Admitted && second.Admitted);
        Assert.False(third.Admitted);
        Assert.Equal("Too many connections from your address", third.RefusedBecause);
        Assert.True(limiter.TryAdmit(IPAddress.Parse("192.0.2.8")).Admitted);

        first.Release();
        first.Release(); // twice is once
        Assert.True(limiter.TryAdmit(a).Admitted);
        Assert.False(limiter.TryAdmit(a).Admitted);
    }

    [Fact]
    public void Ipv6_OneSlash64_IsOneAddress_AndMappedIpv4IsIpv4()
    {
        var limiter = Limiter(NoExempt(new() { MaxPerAddress = 1 }));

        Assert.True(limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2::1")).Admitted);
        Assert.False(limiter.TryAdmit(IPAddress.Parse("2001:db8:1:2:ffff::9")).Admitted);
        Assert.True(limiter.TryAdmit(IPAddress.Parse("2001:db8:1:3::1")).Admitted);

        Assert.True(limiter.TryAdmit(IPAddress.Parse("198.51.100.1")).Admitted);
        Assert.False(limiter.TryAdmit(IPAddress.Parse("::ffff:198.51.100.1")).Admitted);
    }

    [Fact]
    public void PerBlock_CountsTheWholeSlash24()
    {
        var limiter = Limiter(NoExempt(new() { MaxPerAddress = 0, MaxPerBlock = 3 }));
        for (var i = 1; i <= 3; i++)
        {
            Assert.True(limiter.TryAdmit(IPAddress.Parse($"203.0.113.{i}")).Admitted);
        }

        var refused = limiter.TryAdmit(IPAddress.Parse("203.0.113.200"));

        Assert.Equal("Too many connections from your network", refused.RefusedBecause);
        Assert.True(limiter.TryAdmit(IPAddress.Parse("203.0.114.1")).Admitted);
    }

    [Fact]
    public void Throttle_CountsConnectsInTheWindow_EvenWhenTheyLeft_ThenForgets()
    {
        var limiter = Limiter(NoExempt(new() { ThrottleConnections = 3, ThrottleSeconds = 60 }));
        var a = IPAddress.Parse("192.0.2.1");
        for (var i = 0; i < 3; i++)
        {
            var admitted = limiter.TryAdmit(a);
            Assert.True(admitted.Admitted);
            admitted.Release();
        }

        Assert.Equal("Too many connections from your address recently, try again later", limiter.TryAdmit(a).RefusedBecause);

        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(limiter.TryAdmit(a).Admitted);
        _time.Advance(TimeSpan.FromSeconds(60));
        limiter.Prune();
        Assert.Equal(0, limiter.TrackedCount);
    }

    [Fact]
    public void Exempt_SkipsPerAddressAndThrottle_ButNotTheTotal()
    {
        var limiter = Limiter(new() { MaxTotal = 3, MaxPerAddress = 1, ThrottleConnections = 1 });
        var loopback = IPAddress.Loopback;

        Assert.True(limiter.TryAdmit(loopback).Admitted);
        Assert.True(limiter.TryAdmit(IPAddress.Parse("127.0.0.2")).Admitted);
        Assert.True(limiter.TryAdmit(IPAddress.IPv6Loopback).Admitted);

        Assert.Equal("Server is full, try again later", limiter.TryAdmit(loopback).RefusedBecause);
        Assert.Equal(3, limiter.Total);
    }

    [Fact]
    public void DefaultTotal_KeepsReservedDescriptorsBackFromTheProcessLimit()
    {
        var limiter = Limiter(new() { ReservedDescriptors = 256 }, descriptors: 20_000);
        Assert.Equal(19_744, limiter.MaxTotal);
        Assert.Equal(int.MaxValue, Limiter(new(), descriptors: null).MaxTotal);
    }

    [Fact]
    public void ThrottleTable_IsBounded_NewcomersBeyondItShareTheirBlock()
    {
        var limiter = Limiter(NoExempt(new() { MaxPerAddress = 0, MaxPerBlock = 0, ThrottleConnections = 2 }));
        for (var i = 0; i < ConnectionLimiter.MaxTracked; i++)
        {
            var bytes = new byte[16];
            bytes[0] = 0x20;
            bytes[1] = 0x01;
            BitConverter.GetBytes(i).CopyTo(bytes, 4);
            limiter.TryAdmit(new IPAddress(bytes)).Release();
        }
        Assert.Equal(ConnectionLimiter.MaxTracked, limiter.TrackedCount);

        // Two newcomers in one /48: tracked together, so the second and third share the budget.
        Assert.True(limiter.TryAdmit(IPAddress.Parse("2001:db8:9::1")).Admitted);
        Assert.True(limiter.TryAdmit(IPAddress.Parse("2001:db8:9:1::1")).Admitted);
        Assert.False(limiter.TryAdmit(IPAddress.Parse("2001:db8:9:2::1")).Admitted);
        Assert.Equal(ConnectionLimiter.MaxTracked + 1, limiter.TrackedCount);
    }

    [Theory]
    [InlineData("10.1.2.3", 8, "10.0.0.0")]
    [InlineData("10.1.2.3", 24, "10.1.2.0")]
    [InlineData("10.1.2.3", 32, "10.1.2.3")]
    [InlineData("2001:db8:aaaa:bbbb:cccc::1", 48, "2001:db8:aaaa::")]
    [InlineData("2001:db8:aaaa:bbbb:cccc::1", 60, "2001:db8:aaaa:bbb0::")]
    public void Mask_ClearsTheHostBits(string address, int prefix, string expected)
        => Assert.Equal(IPAddress.Parse(expected), ConnectionLimiter.Mask(IPAddress.Parse(address), prefix));

    [Fact]
    public void ParseNetworks_NamesTheBadEntry()
    {
        var ex = Assert.Throws<FormatException>(() => ConnectionLimiter.ParseNetworks(["10.0.0.0/8", "nonsense"]));
        Assert.Contains("'nonsense'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, ConnectionLimiter.ParseNetworks(["10.0.0.0/8", "192.0.2.1"]).Length);
    }
}

public sealed class ConnectionLimitEndToEndTests
{
    [Fact]
    public async Task OverTheLimit_TheClientGetsErrorWithTheReason_OthersCarryOn()
    {
        var options = new ServerOptions { Connections = new ConnectionLimitOptions { Exempt = [], MaxPerAddress = 1 } };
        await using var server = await Infrastructure.LoopbackServer.StartAsync(options);
        var (tcp1, reader1, stream1) = await server.ConnectAsync();
        using (tcp1)
        {
            await stream1.WriteAsync("NICK first\r\nUSER first 0 * :First\r\n"u8.ToArray());
            using var cts = new CancellationTokenSource(Infrastructure.TestClient.DefaultTimeout);
            Assert.Contains(" 001 first ", await reader1.ReadLineAsync(cts.Token), StringComparison.Ordinal);

            var (tcp2, reader2, _) = await server.ConnectAsync();
            using (tcp2)
            {
                var refused = await reader2.ReadLineAsync(cts.Token);
                Assert.Equal("ERROR :Closing Link: 127.0.0.1 (Too many connections from your address)", refused);
                Assert.Null(await reader2.ReadLineAsync(cts.Token));
            }

            await stream1.WriteAsync("PING still-here\r\n"u8.ToArray());
            string? line;
            while ((line = await reader1.ReadLineAsync(cts.Token)) is not null && !line.Contains("PONG", StringComparison.Ordinal))
            {
            }
            Assert.Contains("still-here", line, StringComparison.Ordinal);
        }
    }
}
