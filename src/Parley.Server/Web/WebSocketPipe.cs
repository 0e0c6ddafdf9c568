using System.Buffers;
using System.IO.Pipelines;
using System.Net.WebSockets;
using System.Text;
using System.Text.Unicode;
using Microsoft.Extensions.Logging;
using Parley.Protocol;

namespace Parley.Server.Web;

/// <summary>
/// Turns an accepted WebSocket into the duplex byte pipe an <see cref="Connections.IrcConnection"/>
/// reads and writes, so the IRC connection behind it (framing, flood control, SendQ, timeouts)
/// is the very same as over TCP. https://ircv3.net/specs/extensions/websocket
/// </summary>
/// <remarks>
/// Two loops run beside the IRC connection:
/// <list type="bullet">
/// <item>Receive: each WebSocket message is one IRC line; it is written to the input pipe with a
/// LF after it. The input pipe pauses at the RecvQ, so a client that sends faster than flood
/// control lets it is no longer read (TCP backpressure), exactly as on a socket. A message
/// over the line cap, or with a CR or LF inside, closes the connection with a clear status
/// (1009, 1007); a text message that is not UTF-8 is refused by the WebSocket layer itself
/// (1007).</item>
/// <item>Send: the outbox writes CRLF-terminated lines (many at once) into the output pipe; each
/// line goes out as one message, without its CRLF: text messages for <c>text.ircv3.net</c>
/// (and when no subprotocol was chosen), with invalid UTF-8 replaced by U+FFFD as the
/// specification asks, binary messages for <c>binary.ircv3.net</c>. The output pipe pauses
/// at <see cref="OutputPauseBytes"/>, so a client that does not read makes the outbox's
/// flush wait and its SendQ fill, as on a socket.</item>
/// </list>
/// When the IRC connection has ended (both pipes completed by it), the last lines (its ERROR)
/// are sent and then a Close message whose reason is the ERROR's; a client that does not take
/// them within <see cref="CloseGrace"/> is aborted.
/// Threading: one receive and one send loop; the WebSocket allows one of each at a time.
/// </remarks>
public sealed partial class WebSocketPipe : IDuplexPipe
{
    /// <summary>How long the last lines and the Close handshake may take once the IRC connection ended.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    /// <summary>The output pipe stops the outbox's flush at this many bytes not yet sent.</summary>
    public const int OutputPauseBytes = 64 * 1024;

    /// <summary>The longest Close reason the protocol carries (RFC 6455 §5.5: 125 bytes of payload less the status).</summary>
    public const int MaxCloseReasonBytes = 123;

    private readonly WebSocket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly bool _binary;
    private readonly int _maxLineBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopReceiving = new();
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;
    private string _closeReason = "";
    private Action<string>? _closeSession;

    /// <param name="binary">Send binary messages (the <c>binary.ircv3.net</c> subprotocol); else text.</param>
    /// <param name="maxLineBytes">The longest message accepted (an IRC line without CRLF).</param>
    /// <param name="recvQBytes">Input not yet handled by the IRC connection before the socket is no longer read.</param>
    public WebSocketPipe(WebSocket socket, bool binary, int maxLineBytes, int recvQBytes, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _binary = binary;
        _maxLineBytes = maxLineBytes;
        _time = time;
        _logger = logger;
        // The readers run inline: the IRC connection goes on reading on the thread that received
        // the message, and the send loop sends on the thread of the outbox's flush. A thread-pool
        // hop on each side would add latency (and reorderings between connections that clients
        // see) for nothing; neither side holds a lock while it writes.
        _input = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: recvQBytes, resumeWriterThreshold: recvQBytes / 2, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, pauseWriterThreshold: OutputPauseBytes, resumeWriterThreshold: OutputPauseBytes / 2, useSynchronizationContext: false));
    }

    public PipeReader Input => _input.Reader;
    public PipeWriter Output => _output.Writer;

    /// <summary>The status the Close message carries (or carried).</summary>
    public WebSocketCloseStatus CloseStatus => _closeStatus;

    /// <summary>
    /// Runs <paramref name="application"/> (the IRC connection) over this pipe and the two loops
    /// beside it; returns when the WebSocket is closed or aborted.
    /// </summary>
    public async Task RunAsync(Func<IDuplexPipe, Task> application)
    {
        var receiving = ReceiveLoopAsync();
        var sending = SendLoopAsync();
        try
        {
            await application(this);
        }
        finally
        {
            // The IRC connection completed both pipes: the send loop sends what is left and the
            // Close; the peer answers the Close, which ends the receive loop.
            await _output.Writer.CompleteAsync();
            await _input.Reader.CompleteAsync();
            using var grace = new CancellationTokenSource(CloseGrace, _time);
            var both = Task.WhenAll(receiving, sending);
            if (await Task.WhenAny(both, Task.Delay(Timeout.InfiniteTimeSpan, _time, grace.Token)) != both)
            {
                _socket.Abort();
            }
            await _stopReceiving.CancelAsync();
            await both;
            _stopReceiving.Dispose();
        }
    }

    /// <summary>
    /// Called with the session's close (<see cref="Sessions.Session.Disconnect"/>) once it exists:
    /// a bad message ends the session with this reason, which others see in its QUIT.
    /// </summary>
    public void OnBadInput(Action<string> closeSession) => _closeSession = closeSession;

    private void Reject(WebSocketCloseStatus status, string reason)
    {
        _closeStatus = status;
        _closeReason = reason;
        LogRejected(status, reason);
        if (_closeSession is { } close)
        {
            close(reason);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        // One line at a time: the cap plus one byte, to tell "exactly the cap" from "over it".
        var buffer = ArrayPool<byte>.Shared.Rent(_maxLineBytes + 1);
        var writer = _input.Writer;
        // Once the IRC side is done (or the client broke the rules), messages are read and
        // dropped until the client's Close arrives: closing the socket with input unread would
        // reset the connection and lose the Close (and the ERROR) on their way to the client.
        var discarding = false;
        try
        {
            while (true)
            {
                var length = 0;
                var tooLong = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length > _maxLineBytes)
                    {
                        tooLong = true;
                        length = 0;
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length, _maxLineBytes + 1 - length), _stopReceiving.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                if (discarding)
                {
                    continue;
                }
                if (tooLong || length > _maxLineBytes)
                {
                    // The session is closed with the reason first: completing the input
                    // first would end it as "Remote host closed the connection".
                    discarding = true;
                    Reject(WebSocketCloseStatus.MessageTooBig, $"Message too long: an IRC line is at most {_maxLineBytes} bytes");
                    await writer.CompleteAsync();
                    continue;
                }
                var line = buffer.AsSpan(0, length);
                // The specification forbids the CRLF; a client that adds it anyway is forgiven.
                if (line.EndsWith("\r\n"u8))
                {
                    line = line[..^2];
                }
                else if (line.EndsWith("\n"u8))
                {
                    line = line[..^1];
                }
                if (line.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
                {
                    // The session is closed with the reason first: completing the input
                    // first would end it as "Remote host closed the connection".
                    discarding = true;
                    Reject(WebSocketCloseStatus.InvalidPayloadData, "One IRC line per message: no CR or LF inside");
                    await writer.CompleteAsync();
                    continue;
                }
                if (line.IsEmpty)
                {
                    continue;
                }
                var span = writer.GetSpan(line.Length + 1);
                line.CopyTo(span);
                span[line.Length] = (byte)'\n';
                writer.Advance(line.Length + 1);
                var flush = await writer.FlushAsync();
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    discarding = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the client did not close in time.
        }
        catch (WebSocketException ex)
        {
            // Gone, or refused by the WebSocket layer (a text message that is not UTF-8: it has
            // sent Close 1007 itself).
            LogReceiveFailed(ex.WebSocketErrorCode, ex.Message);
            if (!discarding && ex.WebSocketErrorCode == WebSocketError.Faulted)
            {
                // The layer below has sent its Close (1007 for bad UTF-8, 1002 for a bad frame)
                // and aborted the socket: nothing more can be sent, but others see why it left.
                _closeStatus = WebSocketCloseStatus.ProtocolError;
                _closeSession?.Invoke("WebSocket protocol error (a text message must be UTF-8)");
            }
        }
        catch (IOException)
        {
            // The connection under it was reset.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            await writer.CompleteAsync();
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        var scratch = ArrayPool<byte>.Shared.Rent(IrcLimits.MaxFramedLineBytes + 2);
        var type = _binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                try
                {
                    while (buffer.PositionOf((byte)'\n') is { } lf)
                    {
                        var line = buffer.Slice(0, lf);
                        buffer = buffer.Slice(buffer.GetPosition(1, lf));
                        var payload = Prepare(line, ref scratch);
                        NoteError(payload.Span);
                        await _socket.SendAsync(payload, type, endOfMessage: true, CancellationToken.None);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, Truncate(_closeReason), CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer is gone or was aborted: nothing more can be sent.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            // Anything the outbox still writes is dropped from now on.
            await reader.CompleteAsync();
        }
    }

    /// <summary>One line as one message's payload: CR removed; for text, valid UTF-8.</summary>
    private ReadOnlyMemory<byte> Prepare(ReadOnlySequence<byte> line, ref byte[] scratch)
    {
        var length = (int)line.Length;
        if (length > 0 && line.Slice(length - 1).FirstSpan[0] == (byte)'\r')
        {
            length--;
            line = line.Slice(0, length);
        }
        if (scratch.Length < length)
        {
            ArrayPool<byte>.Shared.Return(scratch);
            scratch = ArrayPool<byte>.Shared.Rent(length);
        }
        line.CopyTo(scratch);
        var payload = scratch.AsMemory(0, length);
        if (!_binary && !Utf8.IsValid(payload.Span))
        {
            // https://ircv3.net/specs/extensions/websocket: text messages carry UTF-8; what is
            // not is replaced by U+FFFD.
            return Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(payload.Span));
        }
        return payload;
    }

    /// <summary>Keeps the server's last ERROR line as the Close reason.</summary>
    private void NoteError(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("ERROR "u8) || _closeStatus != WebSocketCloseStatus.NormalClosure)
        {
            return;
        }
        var text = line["ERROR ".Length..];
        if (text.StartsWith(":"u8))
        {
            text = text[1..];
        }
        _closeReason = Encoding.UTF8.GetString(text);
    }

    /// <summary>At most <see cref="MaxCloseReasonBytes"/> bytes of UTF-8, cut on a character boundary.</summary>
    internal static string Truncate(string reason)
    {
        if (Encoding.UTF8.GetByteCount(reason) <= MaxCloseReasonBytes)
        {
            return reason;
        }
        var end = reason.Length;
        while (end > 0 && Encoding.UTF8.GetByteCount(reason.AsSpan(0, end)) > MaxCloseReasonBytes - 3)
        {
            end--;
            if (end > 0 && char.IsLowSurrogate(reason[end]))
            {
                end--;
            }
        }
        return string.Concat(reason.AsSpan(0, end), "...");
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "WebSocket message refused ({Status}): {Reason}")]
    private partial void LogRejected(WebSocketCloseStatus status, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "WebSocket receive ended: {Error} {Message}")]
    private partial void LogReceiveFailed(WebSocketError error, string message);
}
