using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Parley.Server.Hosting;

/// <summary>
/// Kestrel's TCP transport with an accept loop that survives descriptor exhaustion. Kestrel's
/// own listener retries a failed accept at once, so when the process is out of descriptors
/// (EMFILE) it spins on a core while the pending connection stays in the backlog. This one
/// pauses accepting instead (50 ms, doubling to 1 s while it lasts), keeps serving everyone
/// already connected, and logs once per <see cref="LogInterval"/>. Input per connection is
/// capped at the RecvQ (<see cref="LimitOptions.RecvQBytes"/>). Connections on a
/// <see cref="LeanEndPoint"/> (plain IRC) are <see cref="LeanSocketConnection"/>s, which hold no
/// buffer while idle; the others are Kestrel's (<see cref="SocketConnectionContextFactory"/>).
/// </summary>
public sealed partial class PacedListenerFactory(ILoggerFactory loggerFactory, TimeProvider time, ServerContext server, Listeners listeners) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    /// <summary>The backlog of each listening socket (Kestrel's default).</summary>
    public const int Backlog = 512;

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"cannot listen on {endpoint}");
        }
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // "*" binds 0.0.0.0 and :: separately; each socket keeps to its own family.
                socket.DualMode = false;
            }
            socket.Bind(ip);
            socket.Listen(Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            if (listeners.SkipIfOptional(ip))
            {
                // A default address someone else has (Server:Http:ListenIfFree): go on without it.
                LogSkipped(loggerFactory.CreateLogger<PacedListenerFactory>(), ip);
                return new ValueTask<IConnectionListener>(new Skipped(ip));
            }
            throw new AddressInUseException(e.Message, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var logger = loggerFactory.CreateLogger<PacedListenerFactory>();
        // The RecvQ: Kestrel stops reading a connection whose unread input reaches this.
        var recvQ = server.Options.Limits.RecvQBytes;
        Func<Socket, ConnectionContext> create;
        SocketConnectionContextFactory? contexts = null;
        if (endpoint is LeanEndPoint)
        {
            create = accepted => new LeanSocketConnection(accepted, recvQ);
        }
        else
        {
            // Inline scheduling: what a socket receive completes runs on the thread that took the
            // completion (a thread-pool thread, as for the lean transport), not after two more
            // hops (Kestrel's I/O queue, then the thread pool for the pipe's reader). A WebSocket
            // or TLS line then reaches its IRC connection as soon as a plain one does; with the
            // hops it could be handled after a line that arrived later on a plain connection (a
            // PING's PONG overtaking a WebSocket PRIVMSG sent before it). Nothing behind these
            // connections blocks a thread: the HTTP front end, the WebSocket pipe and TLS are
            // asynchronous throughout.
            contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions { MaxReadBufferSize = recvQ, UnsafePreferInlineScheduling = true }, logger);
            create = contexts.Create;
        }
        return new ValueTask<IConnectionListener>(new Listener(socket, create, contexts, time, logger));
    }

    /// <summary>One listening socket. <see cref="AcceptCore"/> is replaceable for tests.</summary>
    internal sealed class Listener : IConnectionListener
    {
        private readonly Socket _socket;
        private readonly Func<Socket, ConnectionContext> _create;
        private readonly SocketConnectionContextFactory? _contexts;
        private readonly TimeProvider _time;
        private readonly ILogger _logger;
        private TimeSpan _pause = FirstPause;
        private long _lastLogStamp;
        private int _failuresSinceLog;

        public Listener(Socket socket, Func<Socket, ConnectionContext> create, SocketConnectionContextFactory? contexts, TimeProvider time, ILogger logger)
        {
            _socket = socket;
            _create = create;
            _contexts = contexts;
            _time = time;
            _logger = logger;
            AcceptCore = ct => _socket.AcceptAsync(ct);
            EndPoint = socket.LocalEndPoint!;
        }

        public EndPoint EndPoint { get; }

        internal Func<CancellationToken, ValueTask<Socket>> AcceptCore { get; set; }

        /// <summary>Called when a pause has begun (its timer is set), with its length (tests).</summary>
        internal Action<TimeSpan>? Pausing { get; set; }

        /// <summary>How many accepts failed for lack of resources (tests, metrics).</summary>
        internal int ExhaustedCount { get; private set; }

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (true)
            {
                Socket accepted;
                try
                {
                    accepted = await AcceptCore(cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    return null;
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
                {
                    return null;
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    ExhaustedCount++;
                    LogThrottled(e);
                    try
                    {
                        var pause = Task.Delay(_pause, _time, cancellationToken);
                        Pausing?.Invoke(_pause);
                        await pause;
                    }
                    catch (OperationCanceledException)
                    {
                        return null;
                    }
                    _pause = TimeSpan.FromTicks(Math.Min(_pause.Ticks * 2, MaxPause.Ticks));
                    continue;
                }
                catch (SocketException)
                {
                    // Reset by the peer while in the backlog: take the next one.
                    continue;
                }
                _pause = FirstPause;
                accepted.NoDelay = true;
                return _create(accepted);
            }
        }

        private void LogThrottled(SocketException e)
        {
            _failuresSinceLog++;
            var now = _time.GetTimestamp();
            if (_lastLogStamp != 0 && _time.GetElapsedTime(_lastLogStamp, now) < LogInterval)
            {
                return;
            }
            LogExhausted(_logger, EndPoint, e.Message, _failuresSinceLog, LogInterval.TotalSeconds);
            _lastLogStamp = now;
            _failuresSinceLog = 0;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _socket.Dispose();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _socket.Dispose();
            _contexts?.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Stands for an optional address that was taken: accepts nothing, ever.</summary>
    private sealed class Skipped(EndPoint endPoint) : IConnectionListener
    {
        private readonly TaskCompletionSource _unbound = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EndPoint EndPoint { get; } = endPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                await _unbound.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            return null;
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.TrySetResult();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "{EndPoint} is in use: serving no HTTP there (the default address; choose one with --http-listen)")]
    private static partial void LogSkipped(ILogger logger, EndPoint endPoint);

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning,
        Message = "Cannot accept on {EndPoint}: {Reason}; pausing new connections, serving those connected ({Count} failures, logged at most every {Seconds} s)")]
    private static partial void LogExhausted(ILogger logger, EndPoint endPoint, string reason, int count, double seconds);
}
