using System.Net;
using Parley.Client.Dcc;

namespace Parley.Client.Tests;

public sealed class DccOfferTests
{
    [Theory]
    [InlineData("CHAT chat 2130706433 5000", "127.0.0.1", 5000, null)]
    [InlineData("chat chat 2130772225 1024", "127.1.1.1", 1024, null)]
    [InlineData("CHAT chat ::1 6000", "::1", 6000, null)]
    [InlineData("CHAT chat 2130706433 0 42", "127.0.0.1", 0, "42")]
    public void TryParse_ReadsAddressPortAndToken(string arguments, string address, int port, string? token)
    {
        Assert.True(DccOffer.TryParse(arguments, out var offer));
        Assert.Equal(IPAddress.Parse(address), offer.Address);
        Assert.Equal(port, offer.Port);
        Assert.Equal(token, offer.Token);
    }

    [Theory]
    [InlineData("SEND file 2130706433 5000")]
    [InlineData("CHAT chat 2130706433")]
    [InlineData("CHAT chat 2130706433 70000")]
    [InlineData("CHAT chat 2130706433 0")]          // passive needs a token
    [InlineData("CHAT chat not-an-address 5000")]
    public void TryParse_RejectsOtherOffers(string arguments) => Assert.False(DccOffer.TryParse(arguments, out _));

    [Fact]
    public void ToCtcp_WritesIPv4AsAnInteger()
    {
        Assert.Equal("\u0001DCC CHAT chat 2130706433 5000\u0001", new DccOffer(IPAddress.Loopback, 5000, null).ToCtcp());
        Assert.Equal("CHAT chat ::1 0 t1", new DccOffer(IPAddress.IPv6Loopback, 0, "t1").ToCtcpArguments());
    }

    [Theory]
    [InlineData("\u0001ACTION waves\u0001", "ACTION", "waves")]
    [InlineData("\u0001VERSION\u0001", "VERSION", "")]
    [InlineData("\u0001dcc CHAT chat 1 2", "DCC", "CHAT chat 1 2")]
    public void Ctcp_TryParse(string text, string command, string arguments)
    {
        Assert.True(Ctcp.TryParse(text, out var c, out var a));
        Assert.Equal(command, c);
        Assert.Equal(arguments, a);
    }

    [Fact]
    public void Ctcp_PlainTextIsNotCtcp() => Assert.False(Ctcp.TryParse("hello", out _, out _));
}
