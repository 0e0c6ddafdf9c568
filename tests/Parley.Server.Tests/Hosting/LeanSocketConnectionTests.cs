using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Server.Hosting;

namespace Parley.Server.Tests.Hosting;

/// <summary>
/// The lean transport's reader and writer keep the PipeReader/PipeWriter contracts the read loop,
/// the outbox and Kestrel rely on, over real loopback sockets.
/// </summary>
public sealed class LeanSocketConnectionTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly Socket _client;
    private readonly LeanSocketConnection _connection;

    public LeanSocketConnectionTests()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _client.Connect(listener.LocalEndPoint!);
        _connection = new LeanSocketConnection(listener.Accept(), 64 * 1024);
    }

    private PipeReader Input => _connection.Transport.Input;
    private PipeWriter Output => _connection.Transport.Output;

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        _client.Dispose();
    }

    private void Send(string text) => _client.Send(Encoding.ASCII.GetBytes(text));

    [Fact]
    public async Task ExaminedButNotConsumed_NextReadWaitsForMore_ThenSeesEverything()
    {
        Send("PING a");
        var first = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal("PING a", Encoding.ASCII.GetString(first.Buffer));
        Input.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        var next = Input.ReadAsync().AsTask();
        Assert.False(next.IsCompleted);
        Send("\r\n");
        var second = await next.WaitAsync(Timeout);
        Assert.Equal("PING a\r\n", Encoding.ASCII.GetString(second.Buffer));
        Input.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task PartlyConsumed_TheRestComesBackAtOnce()
    {
        Send("one\r\ntwo\r\n");
        var result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Input.AdvanceTo(result.Buffer.GetPosition(5), result.Buffer.GetPosition(5));
        var rest = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal("two\r\n", Encoding.ASCII.GetString(rest.Buffer));
        Input.AdvanceTo(rest.Buffer.End);
    }

    [Fact]
    public async Task AnIdleReader_HoldsNoBuffer()
    {
        var reader = Assert.IsType<SocketReader>(Input);
        Send("PING a\r\n");
        var result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.True(reader.HoldsBuffer);
        Input.AdvanceTo(result.Buffer.End);
        Assert.False(reader.HoldsBuffer);

        // Waiting for the next line: a zero-byte receive, still no buffer.
        var next = Input.ReadAsync().AsTask();
        Assert.False(reader.HoldsBuffer);
        Send("PING b\r\n");
        Assert.Equal("PING b\r\n", Encoding.ASCII.GetString((await next.WaitAsync(Timeout)).Buffer));
    }

    [Fact]
    public async Task InputLongerThanOneBuffer_ArrivesWhole()
    {
        var sent = new string('x', 20_000) + "\r\n";
        Send(sent);
        ReadResult result;
        while (true)
        {
            result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
            if (result.Buffer.Length >= sent.Length)
            {
                break;
            }
            // Like the line framer: no line end yet, nothing consumed, everything examined.
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        Assert.Equal(sent, Encoding.ASCII.GetString(result.Buffer));
        Input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task CancelPendingRead_WakesTheWaitingRead_AndReadingGoesOn()
    {
        var pending = Input.ReadAsync().AsTask();
        Input.CancelPendingRead();
        var canceled = await pending.WaitAsync(Timeout);
        Assert.True(canceled.IsCanceled);
        Input.AdvanceTo(canceled.Buffer.End);

        Send("x");
        var result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.False(result.IsCanceled);
        Assert.Equal("x", Encoding.ASCII.GetString(result.Buffer));
        Input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task PeerCloses_ReadCompletes()
    {
        Send("bye\r\n");
        _client.Shutdown(SocketShutdown.Send);
        var result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        while (!result.IsCompleted)
        {
            Input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await Input.ReadAsync().AsTask().WaitAsync(Timeout);
        }
        Assert.Equal("bye\r\n", Encoding.ASCII.GetString(result.Buffer));
        Input.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task Flush_SendsEverythingWritten_InOrder()
    {
        var expected = new StringBuilder();
        for (var i = 0; i < 2000; i++)
        {
            var line = $":server NOTICE * :line {i}\r\n";
            expected.Append(line);
            Output.Write(Encoding.ASCII.GetBytes(line));
            if (i % 100 == 99)
            {
                var flushed = await Output.FlushAsync().AsTask().WaitAsync(Timeout);
                Assert.False(flushed.IsCanceled || flushed.IsCompleted);
            }
        }
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (received.Length < expected.Length)
        {
            var n = await _client.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, n);
            received.Write(buffer, 0, n);
        }
        Assert.Equal(expected.ToString(), Encoding.ASCII.GetString(received.ToArray()));
    }

    [Fact]
    public async Task AFlushThePeerDoesNotRead_WaitsUntilCanceled()
    {
        // More than the kernel's socket buffers take: the flush waits for the peer.
        var chunk = new byte[64 * 1024];
        ValueTask<FlushResult> flush = default;
        for (var i = 0; i < 256; i++)
        {
            Output.Write(chunk);
            flush = Output.FlushAsync();
            if (!flush.IsCompleted)
            {
                break;
            }
        }
        Assert.False(flush.IsCompleted);
        Output.CancelPendingFlush();
        var result = await flush.AsTask().WaitAsync(Timeout);
        Assert.True(result.IsCanceled);
    }
}
