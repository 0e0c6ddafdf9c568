using System.Net.Sockets;
using System.Text;

namespace Parley.Cluster.Tests.Infrastructure;

/// <summary>A raw IRC connection to a node on loopback: lines out, lines in, every wait bounded.</summary>
public sealed class IrcLineClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly TcpClient _tcp = new();
    private StreamReader? _reader;
    private NetworkStream? _stream;

    private IrcLineClient()
    {
    }

    public static async Task<IrcLineClient> ConnectAsync(int port)
    {
        var c = new IrcLineClient();
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await c._tcp.ConnectAsync("127.0.0.1", port, cts.Token);
        c._stream = c._tcp.GetStream();
        c._reader = new StreamReader(c._stream, Encoding.UTF8);
        return c;
    }

    /// <summary>Connects and registers as <paramref name="nick"/>; waits for 001.</summary>
    public static async Task<IrcLineClient> RegisterAsync(int port, string nick)
    {
        var c = await ConnectAsync(port);
        await c.SendAsync($"NICK {nick}", $"USER {nick} 0 * :{nick}");
        await c.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal));
        return c;
    }

    /// <summary>Connects, logs in to <paramref name="account"/> with SASL PLAIN and registers as <paramref name="nick"/>, with <paramref name="caps"/> too.</summary>
    public static async Task<IrcLineClient> LoginAsync(int port, string nick, string account, string password, string caps = "")
    {
        var c = await ConnectAsync(port);
        await c.SendAsync($"CAP REQ :sasl {caps}".TrimEnd(), $"NICK {nick}", $"USER {nick} 0 * :{nick}");
        await c.ExpectAsync(l => l.Contains(" ACK ", StringComparison.Ordinal));
        await c.SendAsync("AUTHENTICATE PLAIN");
        await c.ExpectAsync(l => l.EndsWith(" AUTHENTICATE +", StringComparison.Ordinal) || l == "AUTHENTICATE +");
        await c.SendAsync("AUTHENTICATE " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{account}\0{password}")));
        await c.ExpectAsync(l => l.Contains(" 903 ", StringComparison.Ordinal));
        await c.SendAsync("CAP END");
        await c.ExpectAsync(l => l.Contains(" 001 ", StringComparison.Ordinal));
        return c;
    }

    public async Task SendAsync(params string[] lines)
    {
        var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\r\n")));
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _stream!.WriteAsync(bytes, cts.Token);
    }

    /// <summary>The next line, answering PINGs on the way; throws on timeout or end of stream.</summary>
    public async Task<string> ReadAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            var line = await _reader!.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the node closed the connection");
            if (line.StartsWith("PING ", StringComparison.Ordinal))
            {
                await SendAsync("PONG " + line[5..]);
                continue;
            }
            return line;
        }
    }

    /// <summary>Reads until a line matches; returns it.</summary>
    public async Task<string> ExpectAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        while (true)
        {
            var line = await ReadAsync(timeout);
            if (match(line))
            {
                return line;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
