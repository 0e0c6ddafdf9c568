using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Parley.Server.Diagnostics;
using Parley.Server.Storage;

namespace Parley.Server.Network;

/// <summary>
/// The one ordered path from Network to the outboxes, which makes ARCHITECTURE.md rule 10 hold
/// ("a message is in history before anyone receives it") without holding Network's lock across
/// I/O. Network, under its lock, appends in one sequence: history records to store, deliveries
/// (a message for one client's outbox) and actions (an outbox's Hold). While no record waits to
/// be stored, a delivery goes straight to the outbox, as if there were no pipeline; once one
/// does, everything after it waits in the queue. One writer (a thread-pool work item, scheduled
/// only when there is work) takes the whole queue, stores its records in one transaction (group
/// commit), then performs its deliveries and actions in order, and takes the next queue.
/// </summary>
/// <remarks>
/// Threading: <c>_gate</c> guards the queue; it is taken under Network's lock and takes only
/// an outbox's lock (delivering directly), so the lock order is Network._gate → _gate →
/// Outbox._gate. The writer holds no lock while it stores or delivers. Because every delivery
/// Network makes passes here in Network's order, every client receives everything in that one
/// order (rule 4), and a delivery never overtakes a stored message sequenced before it.
/// </remarks>
public sealed partial class DeliveryPipeline : IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private readonly IHistoryStore? _store;
    private readonly ILogger _logger;
    private List<Item> _queue = [];
    private List<Item>? _spare = [];
    private bool _writing;
    private TaskCompletionSource? _queuedDone;
    private TaskCompletionSource? _writingDone;
    private long _stored;
    private long _batches;

    /// <param name="store">Where records go; null: history is off and everything is delivered at once.</param>
    /// <param name="metrics">Where commit times and failures are counted, or null.</param>
    public DeliveryPipeline(IHistoryStore? store, ILogger logger, ParleyMetrics? metrics = null)
    {
        _store = store;
        _logger = logger;
        _metrics = metrics;
    }

    private readonly ParleyMetrics? _metrics;

    /// <summary>Whether records are stored at all (history on).</summary>
    public bool Enabled => _store is not null;

    /// <summary>Records stored so far, and the transactions that stored them.</summary>
    public (long Records, long Batches) Stats => (Interlocked.Read(ref _stored), Interlocked.Read(ref _batches));

    // One of: a delivery (Sink, Message); a record to store (Record); an action (Action, State);
    // a line for many sinks (Message, State = the sinks' array: DeliverAll).
    private readonly record struct Item(IClientSink? Sink, OutboundMessage? Message, HistoryRecord? Record, Action<object?>? Action, object? State = null);

    /// <summary>Stores <paramref name="record"/> before anything sequenced after it is delivered. A no-op when history is off.</summary>
    public void Store(HistoryRecord record)
    {
        if (_store is null)
        {
            return;
        }
        bool schedule;
        lock (_gate)
        {
            _queue.Add(new Item(null, null, record, null));
            schedule = !_writing;
            _writing = true;
        }
        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Delivers now if nothing waits to be stored, else in turn.</summary>
    public void Deliver(IClientSink sink, OutboundMessage message)
    {
        lock (_gate)
        {
            if (_writing)
            {
                _queue.Add(new Item(sink, message, null, null));
                return;
            }
            sink.Deliver(message);
        }
    }

    /// <summary>
    /// Delivers one line to each of <paramref name="sinks"/>, in order, as one step of the
    /// sequence: now if nothing waits to be stored, else as one queued item for them all (a
    /// channel message to 1,000 members is one item, not 1,000).
    /// </summary>
    public void DeliverAll(ReadOnlySpan<Recipient> sinks, OutboundMessage message)
    {
        if (sinks.IsEmpty)
        {
            return;
        }
        lock (_gate)
        {
            if (_writing)
            {
                _queue.Add(new Item(null, message, null, null, sinks.ToArray()));
                return;
            }
            foreach (var recipient in sinks)
            {
                recipient.Sink.Deliver(message);
            }
        }
    }

    /// <summary>A sink in <see cref="DeliverAll"/>'s list (a struct: storing it costs no array-covariance check).</summary>
    public readonly record struct Recipient(IClientSink Sink);

    /// <summary>Runs <paramref name="action"/> (which must not block nor take Network's lock) now or in turn.</summary>
    public void Run(Action action) => Run(static a => ((Action)a!)(), action);

    /// <summary>As <see cref="Run(Action)"/>, with a state: a static lambda then costs no delegate per caller.</summary>
    public void Run(Action<object?> action, object? state)
    {
        lock (_gate)
        {
            if (_writing)
            {
                _queue.Add(new Item(null, null, null, action, state));
                return;
            }
            action(state);
        }
    }

    /// <summary>Completes when everything sequenced so far has been stored and delivered.</summary>
    public ValueTask WhenDeliveredAsync()
    {
        lock (_gate)
        {
            if (_queue.Count > 0)
            {
                return new ValueTask((_queuedDone ??= NewSignal()).Task);
            }
            if (_writing)
            {
                return new ValueTask((_writingDone ??= NewSignal()).Task);
            }
            return ValueTask.CompletedTask;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    void IThreadPoolWorkItem.Execute() => _ = WriteAsync();

    private async Task WriteAsync()
    {
        var records = new List<HistoryRecord>();
        while (true)
        {
            List<Item> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = _queue;
                _queue = _spare ?? [];
                _spare = null;
                _writingDone = _queuedDone;
                _queuedDone = null;
            }

            foreach (var item in batch)
            {
                if (item.Record is not null)
                {
                    records.Add(item.Record);
                }
            }
            if (records.Count > 0)
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    await _store!.AppendAsync(records);
                    _metrics?.HistoryWritten(Stopwatch.GetElapsedTime(started));
                    Interlocked.Add(ref _stored, records.Count);
                    Interlocked.Increment(ref _batches);
                }
                catch (Exception ex)
                {
                    // Deliver anyway: holding every client's output back until the disk
                    // recovers would stop the whole server. What was lost is logged.
                    _metrics?.StorageError(ParleyMetrics.StoreHistory);
                    LogStoreFailed(ex, records.Count);
                }
                records.Clear();
            }
            foreach (var item in batch)
            {
                if (item.Sink is not null)
                {
                    item.Sink.Deliver(item.Message!);
                }
                else if (item.Message is not null)
                {
                    // DeliverAll's item: the line to each sink.
                    foreach (var recipient in (Recipient[])item.State!)
                    {
                        recipient.Sink.Deliver(item.Message);
                    }
                }
                else
                {
                    item.Action?.Invoke(item.State);
                }
            }
            batch.Clear();
            TaskCompletionSource? done;
            lock (_gate)
            {
                _spare = batch;
                done = _writingDone;
                _writingDone = null;
            }
            done?.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Error, Message = "History: storing {Count} records failed; they were delivered without being stored")]
    private partial void LogStoreFailed(Exception ex, int count);
}
