using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Parley.Server.Security;

namespace Parley.Server.Connections;

/// <summary>
/// Kestrel's entry point for IRC listeners. A singleton: per-connection state lives in the
/// <see cref="IrcConnection"/> made here, whose task is the connection's lifetime.
/// </summary>
public sealed class IrcConnectionHandler(ServerContext server) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var dline = address is null ? null : server.Bans.MatchAddress(address);
        var admission = dline is null ? server.Limiter.TryAdmit(address) : null;
        var host = connection.RemoteEndPoint switch
        {
            IPEndPoint ip => FormatHost(ip.Address),
            { } other => other.ToString() ?? "unknown",
            null => "unknown",
        };
        TransportSecurity? security = null;
        if (connection.Features.Get<ITlsHandshakeFeature>() is not null)
        {
            var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
            security = new TransportSecurity(certificate is null ? null : TlsCertificate.Fingerprint(certificate));
        }
        if (admission is not { Admitted: true })
        {
            return RefuseAsync(connection, host, dline is not null ? Commands.BanCommands.ClosingReason(dline) : admission!.RefusedBecause!);
        }
        // Not an async method: the connection's lifetime is RunAsync's task, and no second
        // state machine stays allocated per connection for the whole of it (issue 7).
        IrcConnection irc;
        try
        {
            irc = new IrcConnection(connection.Transport, server, host, security);
        }
        catch
        {
            admission.Release();
            throw;
        }
        return irc.RunAsync(admission);
    }

    /// <summary>Tells a refused client why (one ERROR line, as for any closing link) and closes.</summary>
    private async Task RefuseAsync(ConnectionContext connection, string host, string reason)
    {
        var line = System.Text.Encoding.UTF8.GetBytes($"ERROR :Closing Link: {host} ({reason})\r\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), server.Time);
        try
        {
            await connection.Transport.Output.WriteAsync(line, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // It does not read: it is closed all the same.
        }
        await connection.Transport.Output.CompleteAsync();
    }

    /// <summary>An address as a host name: IPv4-mapped IPv6 shown as IPv4; a leading ':' avoided
    /// (it would read as a trailing parameter in WHO replies).</summary>
    public static string FormatHost(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        var s = address.ToString();
        return s.StartsWith(':') ? "0" + s : s;
    }
}

/// <summary>A connection over TLS, with the client certificate's fingerprint when it gave one.</summary>
public sealed record TransportSecurity(string? CertFingerprint);
