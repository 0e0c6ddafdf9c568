using System.Net;
using System.Net.Sockets;

namespace Parley.Client;

/// <summary>
/// Protocol-independent connecting: resolve the host (IPv6 and IPv4 alike) and try every
/// address in the order the resolver gives, until one accepts. Each address gets its own
/// time limit, so one black-holed address does not eat the whole attempt.
/// </summary>
public static class AddressConnector
{
    /// <summary>How long one address may take to accept before the next is tried.</summary>
    public static readonly TimeSpan DefaultPerAddressTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>. Throws
    /// <see cref="ConnectFailedException"/> listing every address tried and its error when
    /// none connects (or the name does not resolve).
    /// </summary>
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan? perAddressTimeout = null,
        IList<ConnectAttempt>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new ConnectFailedException($"cannot resolve {host}: {e.Message}", []);
            }
            if (addresses.Length == 0)
            {
                throw new ConnectFailedException($"{host} has no address", []);
            }
        }
        return await ConnectAsync(addresses, port, perAddressTimeout, log, cancellationToken);
    }

    /// <summary>Tries each address in turn; see <see cref="ConnectAsync(string, int, TimeSpan?, IList{ConnectAttempt}?, CancellationToken)"/>.</summary>
    public static async Task<Socket> ConnectAsync(IReadOnlyList<IPAddress> addresses, int port, TimeSpan? perAddressTimeout = null,
        IList<ConnectAttempt>? log = null, CancellationToken cancellationToken = default)
    {
        var attempts = new List<ConnectAttempt>();
        foreach (var address in addresses)
        {
            var endpoint = new IPEndPoint(address, port);
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(perAddressTimeout ?? DefaultPerAddressTimeout);
            string error;
            try
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
                log?.Add(new ConnectAttempt(endpoint, null));
                return socket;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "timed out";
            }
            catch (SocketException e)
            {
                error = e.Message;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            socket.Dispose();
            var attempt = new ConnectAttempt(endpoint, error);
            attempts.Add(attempt);
            log?.Add(attempt);
        }
        throw new ConnectFailedException("could not connect", attempts);
    }
}
