using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Parley.Protocol;
using Parley.Server.Commands;
using Parley.Server.Sessions;

namespace Parley.Server.Connections;

/// <summary>
/// One client connection over any duplex pipe (a Kestrel socket, or an in-memory pipe in
/// tests): the read loop that frames, parses and dispatches lines, one command at a time.
/// </summary>
/// <remarks>
/// The read loop has the canonical shape (ReadAsync; stop on IsCanceled; handle every whole
/// line; stop on IsCompleted; finally AdvanceTo(consumed, examined)) and caps line length,
/// so a client can make the server buffer at most one line's worth of input.
/// </remarks>
public sealed partial class IrcConnection
{
    private readonly IDuplexPipe _transport;
    private readonly ServerContext _server;
    private readonly ILogger _logger;
    // Made at the first flood-control wait (most connections never wait): cancels it on close.
    private CancellationTokenSource? _closing;
    private int _aborted;

    /// <summary>
    /// How many of one client's commands may wait in the delivery pipeline for their group commit
    /// before its read loop waits too. Enough for a client pipelining a burst of PRIVMSGs (the load
    /// generator keeps 32 in flight) to put them all in one commit; small enough that the
    /// pipeline's queue stays bounded by connections × this × one command's deliveries.
    /// </summary>
    internal const int MaxPendingCommands = 64;

    /// <param name="security">How the connection is secured (TLS), or null for plain text.</param>
    public IrcConnection(IDuplexPipe transport, ServerContext server, string remoteHost, TransportSecurity? security = null)
    {
        _transport = transport;
        _server = server;
        _logger = server.ConnectionLogger;
        var outbox = new Outbox(transport.Output, server.Options.Limits.SendQBytes);
        Session = new Session(server, outbox, remoteHost, AbortRead, security);
        outbox.Owner = Session;
    }

    public Session Session { get; }

    private void AbortRead()
    {
        Volatile.Write(ref _aborted, 1);
        try
        {
            Volatile.Read(ref _closing)?.Cancel();
            _transport.Input.CancelPendingRead();
        }
        catch (ObjectDisposedException)
        {
            // Already finished.
        }
    }

    /// <summary>Runs until the client leaves or is dropped; returns after the outbox drained.</summary>
    public Task RunAsync() => RunAsync(null, null);

    /// <inheritdoc cref="RunAsync()"/>
    /// <param name="admission">The connection limiter's admission, released when the connection ends.</param>
    /// <param name="kind">The transport counted in the connection metrics, uncounted when the connection ends.</param>
    public async Task RunAsync(ConnectionLimiter.Admission? admission, IrcTransport? kind)
    {
        _server.Add(Session);
        LogConnected(Session.Id, Session.User.RealHost);
        var input = _transport.Input;
        var framer = new LineFramer(IrcLimits.MaxFramedLineBytes);
        var reason = "Connection closed";
        try
        {
            while (!Session.IsClosing)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                try
                {
                    if (result.IsCanceled)
                    {
                        break;
                    }
                    while (!Session.IsClosing)
                    {
                        var frame = framer.TryReadLine(ref buffer, out var line);
                        if (frame == FrameResult.NeedMoreData)
                        {
                            break;
                        }
                        if (frame == FrameResult.TooLong)
                        {
                            Session.Touch();
                            await ReplyInputTooLongAsync();
                            continue;
                        }
                        await HandleLineAsync(line);
                    }
                    if (result.IsCompleted)
                    {
                        reason = "Remote host closed the connection";
                        Session.PeerClosedInOrder();
                        break;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closing: control flow, not an error.
        }
        catch (ConnectionResetException)
        {
            reason = "Connection reset by peer";
        }
        catch (IOException)
        {
            reason = "Connection reset by peer";
        }
        catch (Exception ex)
        {
            // One catch-all per connection: log it and close this connection only.
            LogFailed(ex, Session.Id);
            reason = "Internal error";
        }
        finally
        {
            admission?.Release();
            if (kind is { } counted)
            {
                _server.Metrics.Disconnected(counted);
            }
            Session.Close(reason, reason);
            await Task.WhenAny(Session.Outbox.Completion, Task.Delay(TimeSpan.FromSeconds(5), _server.Time));
            await input.CompleteAsync();
            await _transport.Output.CompleteAsync();
            _server.Remove(Session);
            Session.MarkClosed();
            LogDisconnected(Session.Id, reason);
        }
    }

    private async ValueTask HandleLineAsync(ReadOnlySequence<byte> line)
    {
        Session.Touch();
        IrcMessage? message;
        ParseError error;
        bool validUtf8;
        bool tagsTooLong;
        if (line.IsSingleSegment)
        {
            _ = IrcParser.TryParse(line.FirstSpan, out message, out error, out validUtf8);
            tagsTooLong = ClientTagsTooLong(line.FirstSpan);
        }
        else
        {
            var copy = ArrayPool<byte>.Shared.Rent((int)line.Length);
            line.CopyTo(copy);
            _ = IrcParser.TryParse(copy.AsSpan(0, (int)line.Length), out message, out error, out validUtf8);
            tagsTooLong = ClientTagsTooLong(copy.AsSpan(0, (int)line.Length));
            ArrayPool<byte>.Shared.Return(copy);
        }
        if (tagsTooLong)
        {
            await ReplyInputTooLongAsync();
            return;
        }

        if (message is null)
        {
            if (error is ParseError.LineTooLong or ParseError.TagsTooLong)
            {
                await ReplyInputTooLongAsync();
            }
            return;
        }

        // Lines of an open draft/multiline batch are collected, not dispatched (BatchCommand).
        var batched = BatchCommand.IsBatchedLine(Session, message);
        if (!BatchCommand.SkipsFloodControl(Session, message) && !Session.Server.Commands.IsFloodExempt(message.Command) && Session.IsRegistered && !Session.User.IsOperator)
        {
            var wait = Session.Flood.Take();
            if (wait > TimeSpan.Zero)
            {
                _server.Metrics.FloodLimited();
                await Task.Delay(wait, _server.Time, ClosingToken());
            }
        }

        if (Session.PendingCommands > 0
            && (Session.PendingCommands >= MaxPendingCommands || !_server.Commands.IsPipelined(message.Command)))
        {
            // Most commands may read what the client's earlier commands stored (CHATHISTORY after
            // PRIVMSG), so they wait until that is committed; and no client queues more than
            // MaxPendingCommands commands' work in the delivery pipeline.
            await Session.Network.Deliveries.WhenDeliveredAsync();
        }

        Session.BeginCommand(message.GetTag("label"));
        try
        {
            if (batched)
            {
                BatchCommand.Absorb(Session, message, validUtf8);
                return;
            }
            if (!validUtf8)
            {
                // UTF8ONLY: https://ircv3.net/specs/extensions/utf8-only
                Session.Fail(message.Command, "INVALID_UTF8", "Message rejected: it is not valid UTF-8");
                return;
            }
            await _server.Commands.DispatchAsync(Session, message);
            if (Session.AttachReplay is { } replay && !Session.IsClosing)
            {
                var missed = Session.AttachMissed;
                Session.AttachReplay = null;
                Session.AttachMissed = null;
                await Multiclient.ReplayAsync(Session, replay, missed);
            }
            if (Session.AlwaysOnDue && Session.IsRegistered && !Session.IsClosing)
            {
                Session.AlwaysOnDue = false;
                await Multiclient.ApplyAlwaysOnAsync(Session);
            }
            if (Session.OfflineDeliveryDue && Session.IsRegistered && !Session.IsClosing)
            {
                Session.OfflineDeliveryDue = false;
                if (Session.PendingCommands > 0)
                {
                    await Session.Network.Deliveries.WhenDeliveredAsync();
                }
                await OfflineDelivery.DeliverAsync(Session);
            }
        }
        finally
        {
            if (!Session.IsClosing)
            {
                Session.EndCommand();
            }
        }
    }

    private CancellationToken ClosingToken()
    {
        if (Volatile.Read(ref _closing) is not { } closing)
        {
            var made = new CancellationTokenSource();
            closing = Interlocked.CompareExchange(ref _closing, made, null) ?? made;
            if (Volatile.Read(ref _aborted) != 0)
            {
                closing.Cancel();
            }
        }
        return closing.Token;
    }

    /// <summary>
    /// A client's tag data (between '@' and the space) may hold at most 4094 bytes; more gets 417
    /// (https://ircv3.net/specs/extensions/message-tags#size-limit). The parser allows the
    /// 8191 bytes a server may send, for the client library's sake.
    /// </summary>
    private static bool ClientTagsTooLong(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty || line[0] != (byte)'@')
        {
            return false;
        }
        var space = line.IndexOf((byte)' ');
        var tagBytes = (space < 0 ? line.Length : space) - 1;
        return tagBytes > IrcLimits.MaxClientTagsBytes;
    }

    private ValueTask ReplyInputTooLongAsync()
    {
        Session.BeginCommand(null);
        Session.Numeric(Numerics.ERR_INPUTTOOLONG, "Input line was too long");
        Session.EndCommand();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Connection {Id} from {Host}")]
    private partial void LogConnected(long id, string host);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Connection {Id} closed: {Reason}")]
    private partial void LogDisconnected(long id, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Connection {Id} failed")]
    private partial void LogFailed(Exception ex, long id);
}
