using System.Net;
using System.Net.Sockets;
using Parley.Client.Tests.Infrastructure;

namespace Parley.Client.Tests;

public sealed class AddressConnectorTests
{
    [Fact]
    public async Task Connect_TriesEachAddressUntilOneAccepts_AndLogsTheFailures()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var log = new List<ConnectAttempt>();

        // ::1 on the listener's port refuses (it listens on 127.0.0.1 only); then 127.0.0.1 accepts.
        using var socket = await AddressConnector.ConnectAsync([IPAddress.IPv6Loopback, IPAddress.Loopback], port, log: log);

        Assert.True(socket.Connected);
        Assert.Equal(2, log.Count);
        Assert.Equal(IPAddress.IPv6Loopback, log[0].EndPoint.Address);
        Assert.NotNull(log[0].Error);
        Assert.Null(log[1].Error);
    }

    [Fact]
    public async Task Connect_WhenNoAddressAccepts_SaysWhatWasTriedAndWhy()
    {
        var port = FreePort();
        var e = await Assert.ThrowsAsync<ConnectFailedException>(() =>
            AddressConnector.ConnectAsync([IPAddress.IPv6Loopback, IPAddress.Loopback], port));
        Assert.Equal(2, e.Attempts.Count);
        Assert.All(e.Attempts, a => Assert.False(string.IsNullOrEmpty(a.Error)));
        Assert.Contains("[::1]:" + port, e.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:" + port, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ByName_ResolvesLocalhostAndConnects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var socket = await AddressConnector.ConnectAsync("localhost", port);
        Assert.Equal(IPAddress.Loopback, ((IPEndPoint)socket.RemoteEndPoint!).Address.MapToIPv4());
    }

    [RequiresIPv6Fact]
    public async Task Connect_ToAnIPv6Literal_InBrackets()
    {
        using var listener = new TcpListener(IPAddress.IPv6Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var socket = await AddressConnector.ConnectAsync("[::1]", port);
        Assert.Equal(AddressFamily.InterNetworkV6, socket.AddressFamily);
    }

    [Fact]
    public async Task Connect_ToAnUnknownName_FailsWithAClearMessage()
    {
        var e = await Assert.ThrowsAsync<ConnectFailedException>(() => AddressConnector.ConnectAsync("no-such-host.invalid", 6667));
        Assert.Contains("no-such-host.invalid", e.Message, StringComparison.Ordinal);
    }

    /// <summary>A port nothing listens on (bound, then released).</summary>
    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
