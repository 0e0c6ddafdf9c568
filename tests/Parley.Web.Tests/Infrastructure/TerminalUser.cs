using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Parley.Web.Tests.Infrastructure;

/// <summary>
/// The other side of the browser users: a plain IRC client over TCP, as a terminal user's
/// client would be. It answers PINGs; the test reads what it received with <see cref="WaitForAsync"/>.
/// </summary>
public sealed class TerminalUser : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp = new();
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _seen = [];
    private Stream _stream = Stream.Null;
    private Task _reader = Task.CompletedTask;

    public string Nick { get; }

    private TerminalUser(string nick) => Nick = nick;

    /// <summary>Connects and registers; logs in with PASS when the nick is an account.</summary>
    public static async Task<TerminalUser> ConnectAsync(int port, string nick, bool account = false)
    {
        var u = new TerminalUser(nick);
        await u._tcp.ConnectAsync("127.0.0.1", port);
        u._stream = u._tcp.GetStream();
        u._reader = Task.Run(u.ReadLoopAsync);
        await u.SendAsync("CAP REQ :server-time message-tags echo-message draft/message-redaction");
        if (account)
        {
            await u.SendAsync($"PASS {nick}:{ServerProcess.PasswordOf(nick)}");
        }
        await u.SendAsync($"NICK {nick}");
        await u.SendAsync($"USER {nick} 0 * :{nick} in a terminal");
        await u.SendAsync("CAP END");
        await u.WaitForAsync(l => l.Contains(" 001 ", StringComparison.Ordinal));
        return u;
    }

    public async Task JoinAsync(string channel)
    {
        await SendAsync($"JOIN {channel}");
        await WaitForAsync(l => l.Contains($" 366 {Nick} {channel} ", StringComparison.OrdinalIgnoreCase));
    }

    public async Task SayAsync(string target, string text) => await SendAsync($"PRIVMSG {target} :{text}");

    public async Task SendAsync(string line)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
    }

    /// <summary>Reads lines until one matches (earlier ones are consumed); fails after 15 s.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Nick} did not receive the expected line; it received:\n{string.Join('\n', Seen())}");
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException($"{Nick}'s connection closed; it received:\n{string.Join('\n', Seen())}");
        }
    }

    private string[] Seen()
    {
        lock (_seen)
        {
            return [.. _seen.TakeLast(40)];
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            using var reader = new StreamReader(_stream, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_seen)
                {
                    _seen.Add(line);
                }
                if (line.StartsWith("PING ", StringComparison.Ordinal))
                {
                    await SendAsync("PONG " + line[5..]);
                }
                _lines.Writer.TryWrite(line);
            }
        }
        catch (IOException)
        {
            // closed under us: the channel completes below
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAsync("QUIT :bye");
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _tcp.Dispose();
        await _reader;
    }
}
