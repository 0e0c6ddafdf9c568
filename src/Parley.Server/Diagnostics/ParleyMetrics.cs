using System.Diagnostics.Metrics;
using Parley.Server.Connections;

namespace Parley.Server.Diagnostics;

/// <summary>
/// The server's own instruments (meter <c>Parley</c>), exported at <c>/metrics</c>; names and
/// meanings are listed in docs/operations.md.
/// </summary>
/// <remarks>
/// Hot paths (every command, every delivered line) never pass tags: they add to plain
/// counters, and per-verb command counts are kept in the command table and read only when
/// scraped (<see cref="ObservableCounter{T}"/>). An instrument nobody listens to costs a
/// branch. Thread-safe: instruments may be used from any thread.
/// </remarks>
public sealed class ParleyMetrics : IDisposable
{
    public const string MeterName = "Parley";

    private readonly Meter _meter;
    private readonly Counter<long> _connections;
    private readonly UpDownCounter<long> _connectionsActive;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _messagesDelivered;
    private readonly Counter<long> _sendQDisconnects;
    private readonly Counter<long> _floodLimited;
    private readonly Histogram<double> _historyWrite;
    private readonly Counter<long> _storageErrors;

    private static readonly KeyValuePair<string, object?> Tcp = new("transport", "tcp");
    private static readonly KeyValuePair<string, object?> Tls = new("transport", "tls");
    private static readonly KeyValuePair<string, object?> WebSocket = new("transport", "websocket");

    /// <param name="meterFactory">The host's (so meters die with it), or null for a meter of our own.</param>
    public ParleyMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _connections = _meter.CreateCounter<long>("parley.connections", "{connection}", "Client connections admitted, by transport (tcp, tls, websocket).");
        _connectionsActive = _meter.CreateUpDownCounter<long>("parley.connections.active", "{connection}", "Client connections open now, by transport.");
        _registrations = _meter.CreateCounter<long>("parley.registrations", "{registration}", "Connections that completed IRC registration.");
        _messagesReceived = _meter.CreateCounter<long>("parley.messages.received", "{message}", "PRIVMSG, NOTICE and TAGMSG accepted from clients.");
        _messagesDelivered = _meter.CreateCounter<long>("parley.messages.delivered", "{message}", "Copies of PRIVMSG, NOTICE and TAGMSG queued to recipients (echoes excluded).");
        _sendQDisconnects = _meter.CreateCounter<long>("parley.sendq.disconnects", "{connection}", "Connections dropped because their SendQ overflowed.");
        _floodLimited = _meter.CreateCounter<long>("parley.flood.limited", "{command}", "Commands delayed by flood control.");
        _historyWrite = _meter.CreateHistogram<double>("parley.history.write.duration", "s", "Time to store one group commit of history records.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _storageErrors = _meter.CreateCounter<long>("parley.storage.errors", "{error}", "Failed storage operations (a history commit, an account read or write).");
    }

    public Meter Meter => _meter;

    public void Connected(IrcTransport transport)
    {
        var tag = Tag(transport);
        _connections.Add(1, tag);
        _connectionsActive.Add(1, tag);
    }

    public void Disconnected(IrcTransport transport) => _connectionsActive.Add(-1, Tag(transport));

    public void Registered() => _registrations.Add(1);

    public void MessageReceived() => _messagesReceived.Add(1);

    /// <summary>Copies of one message queued to its recipients (added once per fan-out, not per copy).</summary>
    public void MessagesDelivered(int copies)
    {
        if (copies > 0)
        {
            _messagesDelivered.Add(copies);
        }
    }

    public void SendQExceeded() => _sendQDisconnects.Add(1);

    public void FloodLimited() => _floodLimited.Add(1);

    public void HistoryWritten(TimeSpan elapsed) => _historyWrite.Record(elapsed.TotalSeconds);

    public void StorageError(string store) => _storageErrors.Add(1, new KeyValuePair<string, object?>("store", store));

    /// <summary>Per-verb command counts, read when scraped: <paramref name="read"/> yields (verb, count).</summary>
    public void ObserveCommands(Func<IEnumerable<Measurement<long>>> read)
        => _meter.CreateObservableCounter("parley.commands", read, "{command}", "Commands received, by verb (command); unknown verbs as unknown.");

    private static KeyValuePair<string, object?> Tag(IrcTransport transport) => transport switch
    {
        IrcTransport.Tls => Tls,
        IrcTransport.WebSocket => WebSocket,
        _ => Tcp,
    };

    public void Dispose() => _meter.Dispose();
}
