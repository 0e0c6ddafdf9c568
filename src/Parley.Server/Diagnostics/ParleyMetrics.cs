using System.Diagnostics.Metrics;
using Parley.Server.Commands;
using Parley.Server.Connections;

namespace Parley.Server.Diagnostics;

/// <summary>
/// The server's own instruments (meter <c>Parley</c>), exported at <c>/metrics</c>; names and
/// meanings are listed in docs/operations.md.
/// </summary>
/// <remarks>
/// Counting is local and cheap: every event adds to a plain field (Interlocked), and the
/// instruments are observable ones that read the fields only when scraped. So a hot path
/// (every command, every fan-out) pays one interlocked add and nothing else, whether anyone
/// listens or not; a fan-out to N members adds N once, not 1 N times. Every counter reads 0
/// from the start (a dashboard's rate() needs no first event). The one exception is the
/// history commit time, a histogram recorded once per group commit.
/// Thread-safe: any method may be called from any thread.
/// </remarks>
public sealed class ParleyMetrics : IDisposable
{
    public const string MeterName = "Parley";

    /// <summary>The <c>store</c> tag of <c>parley.storage.errors</c>: history.db (commits, retention).</summary>
    public const string StoreHistory = "history";

    /// <summary>The <c>store</c> tag: an account or history operation a command made (a login, REGISTER, offline delivery).</summary>
    public const string StoreOther = "command";

    private readonly Meter _meter;
    private readonly Histogram<double> _historyWrite;
    // Indexed by IrcTransport.
    private readonly long[] _connections = new long[3];
    private readonly long[] _active = new long[3];
    private long _registrations;
    private long _messagesDelivered;
    private long _sendQDisconnects;
    private long _floodLimited;
    private long _historyErrors;
    private long _commandStoreErrors;

    private static readonly string[] TransportNames = ["tcp", "tls", "websocket"];

    /// <param name="meterFactory">The host's (so the meter lives and dies with it), or null for a meter of our own.</param>
    public ParleyMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("parley.connections", () => ByTransport(_connections), "{connection}",
            "Client connections admitted, by transport (tcp, tls, websocket).");
        _meter.CreateObservableUpDownCounter("parley.connections.active", () => ByTransport(_active), "{connection}",
            "Client connections open now, by transport.");
        _meter.CreateObservableCounter("parley.registrations", () => Volatile.Read(ref _registrations), "{registration}",
            "Connections that completed IRC registration.");
        _meter.CreateObservableCounter("parley.messages.delivered", () => Volatile.Read(ref _messagesDelivered), "{message}",
            "PRIVMSG, NOTICE and TAGMSG queued to recipients: one per channel member or private recipient (echoes excluded).");
        _meter.CreateObservableCounter("parley.sendq.disconnects", () => Volatile.Read(ref _sendQDisconnects), "{connection}",
            "Connections dropped because their SendQ overflowed (a client that does not read).");
        _meter.CreateObservableCounter("parley.flood.limited", () => Volatile.Read(ref _floodLimited), "{command}",
            "Commands delayed by flood control.");
        _meter.CreateObservableCounter("parley.storage.errors", () => new[]
            {
                new Measurement<long>(Volatile.Read(ref _historyErrors), new KeyValuePair<string, object?>("store", StoreHistory)),
                new Measurement<long>(Volatile.Read(ref _commandStoreErrors), new KeyValuePair<string, object?>("store", StoreOther)),
            }, "{error}",
            "Failed storage operations, by store: history (a group commit, retention) or command (an account or history operation a command made).");
        _historyWrite = _meter.CreateHistogram("parley.history.write.duration", "s", "Time to store one group commit of history records.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
    }

    public Meter Meter => _meter;

    public void Connected(IrcTransport transport)
    {
        Interlocked.Increment(ref _connections[(int)transport]);
        Interlocked.Increment(ref _active[(int)transport]);
    }

    public void Disconnected(IrcTransport transport) => Interlocked.Decrement(ref _active[(int)transport]);

    public void Registered() => Interlocked.Increment(ref _registrations);

    /// <summary>Copies of one message queued to its recipients (added once per fan-out, not per copy).</summary>
    public void MessagesDelivered(int copies)
    {
        if (copies > 0)
        {
            Interlocked.Add(ref _messagesDelivered, copies);
        }
    }

    public void SendQExceeded() => Interlocked.Increment(ref _sendQDisconnects);

    public void FloodLimited() => Interlocked.Increment(ref _floodLimited);

    public void HistoryWritten(TimeSpan elapsed) => _historyWrite.Record(elapsed.TotalSeconds);

    /// <param name="store"><see cref="StoreHistory"/> or <see cref="StoreOther"/>.</param>
    public void StorageError(string store)
    {
        if (store == StoreHistory)
        {
            Interlocked.Increment(ref _historyErrors);
        }
        else
        {
            Interlocked.Increment(ref _commandStoreErrors);
        }
    }

    /// <summary>
    /// Publishes the command table's counts, read only when scraped: <c>parley.commands</c> by
    /// verb, and <c>parley.messages.received</c> (PRIVMSG, NOTICE and TAGMSG among them).
    /// </summary>
    public void ObserveCommands(CommandTable commands)
    {
        _meter.CreateObservableCounter("parley.commands", () => commands.Counts().Select(c => new Measurement<long>(c.Count, new KeyValuePair<string, object?>("command", c.Verb))),
            "{command}", "Commands received, by verb (the command tag; unknown verbs as unknown).");
        _meter.CreateObservableCounter("parley.messages.received", () => commands.CountOf("PRIVMSG") + commands.CountOf("NOTICE") + commands.CountOf("TAGMSG"),
            "{message}", "PRIVMSG, NOTICE and TAGMSG commands received from clients.");
    }

    private static Measurement<long>[] ByTransport(long[] counts)
    {
        var measurements = new Measurement<long>[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref counts[i]), new KeyValuePair<string, object?>("transport", TransportNames[i]));
        }
        return measurements;
    }

    public void Dispose() => _meter.Dispose();
}
