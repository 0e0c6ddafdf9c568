using System.Net;
using System.Net.Sockets;

namespace Parley.Client.Dcc;

/// <summary>
/// Waits for one peer to connect to a DCC CHAT offer (ours, or our answer to a passive
/// one). Accepts a single connection, then stops listening; bounded by a timeout.
/// </summary>
public sealed class DccListener : IDisposable
{
    private readonly Socket _socket;

    private DccListener(Socket socket)
    {
        _socket = socket;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Where peers connect: the address given and the port bound (ephemeral when 0 was asked).</summary>
    public IPEndPoint EndPoint { get; }

    public static DccListener Start(IPAddress address, int port = 0)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return new DccListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The first peer to connect, within <paramref name="timeout"/> (then <see cref="TimeoutException"/>).</summary>
    public async Task<DccChat> AcceptAsync(string peer, TimeSpan timeout, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timer = (time ?? TimeProvider.System).CreateTimer(_ => cts.Cancel(), null, timeout, Timeout.InfiniteTimeSpan);
        try
        {
            var connection = await _socket.AcceptAsync(cts.Token);
            connection.NoDelay = true;
            return DccChat.FromSocket(peer, connection);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{peer} did not connect within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            _socket.Dispose();
        }
    }

    public void Dispose() => _socket.Dispose();
}
