using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Client.Dcc;

/// <summary>
/// One open DCC CHAT: lines of text over a direct TCP connection between two peers, ending
/// in LF (CRLF accepted). Lines are capped (<see cref="MaxLineBytes"/>); an ACTION is sent
/// as CTCP inside the line, as irssi and WeeChat do.
/// </summary>
/// <remarks>Threading: one reader; <see cref="SendAsync"/> from any thread.</remarks>
public sealed class DccChat : IAsyncDisposable
{
    /// <summary>Longer lines than any IRC client sends; a peer that never sends LF costs at most this.</summary>
    public const int MaxLineBytes = 8192;

    private readonly LineConnection _connection;

    private DccChat(string peer, Socket socket)
    {
        Peer = peer;
        RemoteEndPoint = (IPEndPoint)socket.RemoteEndPoint!;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        _connection = new LineConnection(new NetworkStream(socket, ownsSocket: true), MaxLineBytes);
    }

    /// <summary>The nick on the other end, as the offer named it (or, on the standing listener, as the server vouched for it).</summary>
    public string Peer { get; internal set; }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Wraps a connected socket.</summary>
    public static DccChat FromSocket(string peer, Socket socket) => new(peer, socket);

    /// <summary>Accepts an offer: connects to the offerer's address.</summary>
    public static async Task<DccChat> ConnectAsync(string peer, IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var socket = await AddressConnector.ConnectAsync([endpoint.Address], endpoint.Port, timeout, cancellationToken: cancellationToken);
        return new DccChat(peer, socket);
    }

    /// <summary>The next line (decoded as UTF-8, invalid bytes replaced), or null when the peer closed.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var line = await _connection.ReadLineAsync(cancellationToken);
            return line is null ? null : Encoding.UTF8.GetString(line);
        }
        catch (IOException)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>Sends one line (newlines inside are replaced by spaces).</summary>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default)
    {
        var clean = text.Replace('\r', ' ').Replace('\n', ' ');
        return _connection.WriteRawAsync(Encoding.UTF8.GetBytes(clean + "\n"), cancellationToken);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
