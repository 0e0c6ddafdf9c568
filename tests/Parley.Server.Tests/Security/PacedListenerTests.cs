using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Parley.Server.Hosting;

namespace Parley.Server.Tests.Security;

/// <summary>The accept loop under descriptor exhaustion: it waits instead of spinning, and logs once per interval.</summary>
public sealed class PacedListenerTests
{
    private sealed class CountingLogger : ILogger
    {
        public int Warnings;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref Warnings);
            }
        }
    }

    [Fact]
    public async Task Emfile_PausesAccepting_WithBackoff_ThenAcceptsAgain()
    {
        var time = new FakeTimeProvider();
        using var listenSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listenSocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listenSocket.Listen();
        var logger = new CountingLogger();
        using var contexts = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), NullLogger.Instance);
        var listener = new PacedListenerFactory.Listener(listenSocket, contexts.Create, contexts, time, logger);
        var calls = 0;
        var failures = 3;
        listener.AcceptCore = async ct =>
        {
            Interlocked.Increment(ref calls);
            if (failures-- > 0)
            {
                throw new SocketException((int)SocketError.TooManyOpenSockets);
            }
            return await listenSocket.AcceptAsync(ct);
        };
        var pauses = System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();
        listener.Pausing = p => pauses.Writer.TryWrite(p);

        var accept = listener.AcceptAsync().AsTask();
        var seen = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            // Out of descriptors: the next attempt waits for the pause, which doubles.
            var pause = await pauses.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            seen.Add(pause);
            Assert.Equal(i + 1, calls);
            time.Advance(pause - TimeSpan.FromMilliseconds(1));
            Assert.Equal(i + 1, calls);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }
        Assert.Equal([PacedListenerFactory.FirstPause, PacedListenerFactory.FirstPause * 2, PacedListenerFactory.FirstPause * 4], seen);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listenSocket.LocalEndPoint!);
        var connection = await accept.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(connection);
        Assert.Equal(4, calls);
        Assert.Equal(1, logger.Warnings);
        await connection.DisposeAsync();
    }
}
