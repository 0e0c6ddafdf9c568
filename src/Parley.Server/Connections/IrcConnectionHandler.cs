using System.IO.Pipelines;
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
        TransportSecurity? security = null;
        if (connection.Features.Get<ITlsHandshakeFeature>() is not null)
        {
            var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
            security = new TransportSecurity(certificate is null ? null : TlsCertificate.Fingerprint(certificate));
        }
        return ServeAsync(connection.Transport, connection.RemoteEndPoint, security, security is null ? IrcTransport.Tcp : IrcTransport.Tls);
    }

    /// <summary>
    /// Admits one client (bans, connection limits) and runs its IRC connection over
    /// <paramref name="transport"/> until it ends. The TCP and TLS listeners and the WebSocket
    /// transport (<see cref="Web.WebSocketPipe"/>) all come here, so every limit applies alike.
    /// </summary>
    /// <param name="remote">The client's address (for WebSockets behind a trusted proxy, the one it forwarded).</param>
    /// <param name="started">Called with the session once it exists (the WebSocket transport closes it on bad frames).</param>
    /// <param name="admitted">The connection limiter's answer when the caller asked it already (a WebSocket
    /// on an HTTP connection that was counted when it opened); null: asked here.</param>
    public Task ServeAsync(IDuplexPipe transport, EndPoint? remote, TransportSecurity? security, IrcTransport kind, Action<Sessions.Session>? started = null,
        ConnectionLimiter.Admission? admitted = null)
    {
        var address = (remote as IPEndPoint)?.Address;
        var dline = address is null ? null : server.Bans.MatchAddress(address);
        var admission = dline is null ? admitted ?? server.Limiter.TryAdmit(address) : null;
        var host = remote switch
        {
            IPEndPoint ip => FormatHost(ip.Address),
            { } other => other.ToString() ?? "unknown",
            null => "unknown",
        };
        if (admission is not { Admitted: true })
        {
            return RefuseAsync(transport, host, dline is not null ? Commands.BanCommands.ClosingReason(dline) : admission!.RefusedBecause!);
        }
        server.Metrics.Connected(kind);
        IrcConnection irc;
        try
        {
            irc = new IrcConnection(transport, server, host, security);
            started?.Invoke(irc.Session);
        }
        catch
        {
            admission.Release();
            server.Metrics.Disconnected(kind);
            throw;
        }
        // Not an async method: the connection's lifetime is RunAsync's task (which releases the
        // admission and counts the disconnection), so no second state machine stays allocated
        // per connection for the whole of it (issue 7).
        return irc.RunAsync(admission, kind);
    }

    /// <summary>Tells a refused client why (one ERROR line, as for any closing link) and closes.</summary>
    private async Task RefuseAsync(IDuplexPipe transport, string host, string reason)
    {
        var line = System.Text.Encoding.UTF8.GetBytes($"ERROR :Closing Link: {host} ({reason})\r\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), server.Time);
        try
        {
            await transport.Output.WriteAsync(line, timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // It does not read: it is closed all the same.
        }
        await transport.Output.CompleteAsync();
        await transport.Input.CompleteAsync();
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

/// <summary>How a client reached the server (the <c>transport</c> tag of the connection metrics).</summary>
public enum IrcTransport
{
    Tcp,
    Tls,
    WebSocket,
}

/// <summary>A connection over TLS, with the client certificate's fingerprint when it gave one.</summary>
public sealed record TransportSecurity(string? CertFingerprint);
