using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Tests.Infrastructure;
using Parley.Server.Web;

namespace Parley.Server.Tests.Web;

/// <summary>The WebSocket ↔ pipe adapter alone, over a loopback socket pair (no HTTP handshake).</summary>
public sealed class WebSocketPipeTests
{
    private static async Task<(WebSocket Server, WebSocket Client, IDisposable Sockets)> PairAsync(int? socketBuffers = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient(AddressFamily.InterNetwork);
        if (socketBuffers is { } size)
        {
            client.ReceiveBufferSize = size;
        }
        await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        var server = await listener.AcceptTcpClientAsync();
        if (socketBuffers is { } size2)
        {
            server.SendBufferSize = size2;
        }
        var ws = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
        var wc = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        return (ws, wc, new Both(server, client));
    }

    private sealed class Both(TcpClient a, TcpClient b) : IDisposable
    {
        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static async Task<List<(WebSocketMessageType Type, byte[] Data)>> ReceiveAllAsync(WebSocket client)
    {
        var list = new List<(WebSocketMessageType, byte[])>();
        var buffer = new byte[16 * 1024];
        using var cts = new CancellationTokenSource(TestClient.DefaultTimeout);
        while (true)
        {
            var length = 0;
            WebSocketReceiveResult r;
            do
            {
                r = await client.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), cts.Token);
                length += r.Count;
            }
            while (!r.EndOfMessage);
            if (r.MessageType == WebSocketMessageType.Close)
            {
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cts.Token);
                return list;
            }
            list.Add((r.MessageType, buffer.AsSpan(0, length).ToArray()));
        }
    }

    [Theory]
    [InlineData(false, WebSocketMessageType.Text)]
    [InlineData(true, WebSocketMessageType.Binary)]
    public async Task EachLine_IsOneMessage_WithoutItsLineEnding(bool binary, WebSocketMessageType type)
    {
        var (server, client, sockets) = await PairAsync();
        using var _ = sockets;
        var pipe = new WebSocketPipe(server, binary, 8703, 64 * 1024, TimeProvider.System, NullLogger.Instance);
        var run = pipe.RunAsync(async p =>
        {
            await p.Output.WriteAsync("PING :a\r\nPING :b\r\nERROR :Closing Link: x (bye)\r\n"u8.ToArray());
            await p.Output.CompleteAsync();
            await p.Input.CompleteAsync();
        });
        var got = await ReceiveAllAsync(client);
        await run.WaitAsync(TestClient.DefaultTimeout);
        Assert.Equal(["PING :a", "PING :b", "ERROR :Closing Link: x (bye)"], got.Select(m => Encoding.UTF8.GetString(m.Data)));
        Assert.All(got, m => Assert.Equal(type, m.Type));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("Closing Link: x (bye)", client.CloseStatusDescription);
    }

    [Fact]
    public async Task TextSubprotocol_InvalidUtf8FromTheServer_IsReplacedWithU_FFFD()
    {
        var (server, client, sockets) = await PairAsync();
        using var _ = sockets;
        var pipe = new WebSocketPipe(server, binary: false, 8703, 64 * 1024, TimeProvider.System, NullLogger.Instance);
        var run = pipe.RunAsync(async p =>
        {
            await p.Output.WriteAsync((byte[])[.. ":a PRIVMSG b :caf"u8, 0xE9, (byte)'\r', (byte)'\n']);
            await p.Output.CompleteAsync();
            await p.Input.CompleteAsync();
        });
        var got = await ReceiveAllAsync(client);
        await run.WaitAsync(TestClient.DefaultTimeout);
        Assert.Equal(":a PRIVMSG b :caf\uFFFD", Encoding.UTF8.GetString(Assert.Single(got).Data));
    }

    [Fact]
    public async Task BinarySubprotocol_BytesPassUnchanged()
    {
        var (server, client, sockets) = await PairAsync();
        using var _ = sockets;
        var pipe = new WebSocketPipe(server, binary: true, 8703, 64 * 1024, TimeProvider.System, NullLogger.Instance);
        byte[] line = [.. ":a PRIVMSG b :caf"u8, 0xE9];
        var run = pipe.RunAsync(async p =>
        {
            await p.Output.WriteAsync((byte[])[.. line, (byte)'\r', (byte)'\n']);
            await p.Output.CompleteAsync();
            await p.Input.CompleteAsync();
        });
        var got = await ReceiveAllAsync(client);
        await run.WaitAsync(TestClient.DefaultTimeout);
        Assert.Equal(line, Assert.Single(got).Data);
    }

    [Fact]
    public async Task ClientMessages_BecomeLines_EmptyOnesAreSkipped()
    {
        var (server, client, sockets) = await PairAsync();
        using var _ = sockets;
        var pipe = new WebSocketPipe(server, binary: false, 8703, 64 * 1024, TimeProvider.System, NullLogger.Instance);
        var received = new TaskCompletionSource<string>();
        var run = pipe.RunAsync(async p =>
        {
            var text = new StringBuilder();
            while (true)
            {
                var r = await p.Input.ReadAsync();
                foreach (var segment in r.Buffer)
                {
                    text.Append(Encoding.UTF8.GetString(segment.Span));
                }
                p.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    break;
                }
            }
            received.SetResult(text.ToString());
            await p.Output.CompleteAsync();
            await p.Input.CompleteAsync();
        });
        foreach (var m in new[] { "NICK a", "", "USER a 0 * :A" })
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(m), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        Assert.Equal("NICK a\nUSER a 0 * :A\n", await received.Task.WaitAsync(TestClient.DefaultTimeout));
        await run.WaitAsync(TestClient.DefaultTimeout);
    }

    [Fact]
    public async Task AClientThatDoesNotRead_MakesTheWriterWait_SoTheSendQFills()
    {
        var (server, client, sockets) = await PairAsync(socketBuffers: 4096);
        var pipe = new WebSocketPipe(server, binary: false, 8703, 64 * 1024, TimeProvider.System, NullLogger.Instance);
        var written = 0L;
        var waited = new TaskCompletionSource();
        var run = pipe.RunAsync(async p =>
        {
            var line = Encoding.ASCII.GetBytes(":a PRIVMSG b :" + new string('x', 1000) + "\r\n");
            // Bounded: far more than the pipe and both sockets' buffers hold.
            while (written < 64L * 1024 * 1024)
            {
                line.CopyTo(p.Output.GetSpan(line.Length));
                p.Output.Advance(line.Length);
                written += line.Length;
                var flush = p.Output.FlushAsync();
                if (!flush.IsCompleted)
                {
                    // The output pipe is full: the outbox's flush waits here and its SendQ grows.
                    waited.SetResult();
                    await p.Output.CompleteAsync();
                    await p.Input.CompleteAsync();
                    return;
                }
                await flush;
            }
        });
        await waited.Task.WaitAsync(TestClient.DefaultTimeout);
        Assert.InRange(written, WebSocketPipe.OutputPauseBytes, 16L * 1024 * 1024);
        // The client goes away: the send loop fails, the pipe ends.
        sockets.Dispose();
        client.Dispose();
        await run.WaitAsync(TestClient.DefaultTimeout);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(123)]
    [InlineData(500)]
    public void Truncate_KeepsACloseReasonWithinTheProtocolsLimit(int length)
    {
        var reason = string.Concat(Enumerable.Repeat("é", length));
        var cut = WebSocketPipe.Truncate(reason);
        Assert.True(Encoding.UTF8.GetByteCount(cut) <= WebSocketPipe.MaxCloseReasonBytes);
        Assert.Equal(Encoding.UTF8.GetByteCount(reason) <= WebSocketPipe.MaxCloseReasonBytes, cut == reason);
    }
}
