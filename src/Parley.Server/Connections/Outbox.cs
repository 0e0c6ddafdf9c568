using System.Buffers;
using System.IO.Pipelines;
using Parley.Server.Network;

namespace Parley.Server.Connections;

/// <summary>
/// One connection's outbound queue (the SendQ), bounded in bytes (ARCHITECTURE.md rule 5).
/// </summary>
/// <remarks>
/// Threading: <c>Enqueue</c> may be called from any thread (it is how Network delivers),
/// never blocks and never awaits. A thread-pool work item drains the queue into the transport's
/// <see cref="PipeWriter"/>: everything queued by then is copied and flushed once (write
/// coalescing), so an idle connection holds no task, timer or buffer. At most one drain runs at
/// a time (<c>_draining</c>). A sender never waits for a receiver: when the queue would exceed
/// <see cref="MaxBytes"/>, the outbox closes with "SendQ exceeded" and the connection is dropped.
///
/// While the owning connection runs a command it may <see cref="Hold"/> the outbox: lines
/// delivered by others meanwhile wait until <see cref="Release"/>, after the command's own
/// replies, so a client sees its own JOIN before the channel's next message.
/// </remarks>
public sealed class Outbox : IThreadPoolWorkItem
{
    private readonly Lock _gate = new();
    private readonly PipeWriter _writer;
    // The queue: lines [0, _count) of _lines, an array of our own (no List in between: one
    // object fewer to touch per delivery in a fan-out). Made at the first line; the drain swaps
    // it with _spare (made at the first drain) and clears what it wrote.
    private ReadOnlyMemory<byte>[] _lines = [];
    private int _count;
    private ReadOnlyMemory<byte>[] _spare = [];
    // Lines held back during the owner's command (Hold/Release); made when first needed, reused.
    private List<ReadOnlyMemory<byte>>? _heldLines;
    private bool _holding;
    private long _queuedBytes;
    private bool _draining;
    private bool _closed;
    private bool _completed;
    private LazySignal _drained;

    /// <param name="writer">The transport's output.</param>
    /// <param name="maxBytes">The SendQ limit.</param>
    public Outbox(PipeWriter writer, long maxBytes)
    {
        _writer = writer;
        MaxBytes = maxBytes;
    }

    /// <summary>Disconnected ("SendQ exceeded") once, on a thread-pool thread, when the SendQ overflows.</summary>
    public IClientSink? Owner { get; set; }

    public long MaxBytes { get; }

    /// <summary>Bytes queued and not yet handed to the transport.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_gate)
            {
                return _queuedBytes;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_gate)
            {
                return _closed;
            }
        }
    }

    /// <summary>Completes when the outbox was closed and everything queued before has been written.</summary>
    public Task Completion => _drained.Task;

    /// <summary>Queues a line (CRLF included). Returns false when the outbox is closed or overflowed.</summary>
    public bool Enqueue(ReadOnlyMemory<byte> line) => Enqueue(line, fromOwner: false);

    /// <summary>Queues lines from the owning connection's own command: never held back.</summary>
    public bool EnqueueOwn(ReadOnlyMemory<byte> line) => Enqueue(line, fromOwner: true);

    private bool Enqueue(ReadOnlyMemory<byte> line, bool fromOwner)
    {
        bool schedule;
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }
            _queuedBytes += line.Length;
            if (_queuedBytes > MaxBytes)
            {
                _closed = true;
                ClearQueue();
                StopHolding();
                _queuedBytes = 0;
                schedule = !_draining;
                _draining = true;
                goto Overflow;
            }
            if (_holding && !fromOwner)
            {
                (_heldLines ??= []).Add(line);
                return true;
            }
            Add(line);
            schedule = !_draining;
            _draining = true;
        }
        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        return true;

    Overflow:
        // A flush stuck on a peer that does not read would hold the drain forever: release it.
        _writer.CancelPendingFlush();
        // Enqueue runs under Network's lock, inside a delivery loop: ending the session
        // (which changes Network) must happen after that, on another thread.
        ThreadPool.UnsafeQueueUserWorkItem(static o =>
        {
            (o.Owner as Sessions.Session)?.Server.Metrics.SendQExceeded();
            o.Owner?.Disconnect("SendQ exceeded");
        }, this, preferLocal: false);
        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        return false;
    }

    /// <summary>Holds back lines from others until <see cref="Release"/> (owner's thread only).</summary>
    public void Hold()
    {
        lock (_gate)
        {
            _holding = true;
        }
    }

    /// <summary>Queues what was held back, after whatever the owner queued meanwhile.</summary>
    public void Release()
    {
        bool schedule = false;
        lock (_gate)
        {
            if (!_holding)
            {
                return;
            }
            if (_heldLines is { Count: > 0 } && !_closed)
            {
                AddHeld();
                schedule = !_draining;
                _draining |= schedule;
            }
            StopHolding();
        }
        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>
    /// Closes the outbox: optionally queues a last line (an ERROR), writes what is queued, then
    /// completes <see cref="Completion"/>. Later lines are dropped. Idempotent.
    /// </summary>
    public void Close(ReadOnlyMemory<byte> lastLine = default)
    {
        bool schedule;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }
            if (_holding && _heldLines is not null)
            {
                AddHeld();
            }
            StopHolding();
            if (!lastLine.IsEmpty)
            {
                Add(lastLine);
            }
            _closed = true;
            schedule = !_draining;
            _draining = true;
        }
        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>Under <c>_gate</c>: appends a line to the queue.</summary>
    private void Add(ReadOnlyMemory<byte> line)
    {
        if (_count == _lines.Length)
        {
            Array.Resize(ref _lines, Math.Max(8, _count * 2));
        }
        _lines[_count++] = line;
    }

    /// <summary>Under <c>_gate</c>: appends the held lines to the queue.</summary>
    private void AddHeld()
    {
        foreach (var line in _heldLines!)
        {
            Add(line);
        }
    }

    /// <summary>Under <c>_gate</c>: drops what is queued.</summary>
    private void ClearQueue()
    {
        Array.Clear(_lines, 0, _count);
        _count = 0;
    }

    /// <summary>Under <c>_gate</c>: no longer holding; the list is kept for the next command.</summary>
    private void StopHolding()
    {
        _holding = false;
        if (_heldLines is null)
        {
            return;
        }
        _heldLines.Clear();
        if (_heldLines.Capacity > 64)
        {
            // A burst held during one long command does not stay allocated.
            _heldLines.Capacity = 16;
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = DrainAsync();

    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte>[] batch;
                int count;
                lock (_gate)
                {
                    if (_count == 0)
                    {
                        _draining = false;
                        if (_closed && !_completed)
                        {
                            _completed = true;
                            _drained.Set();
                        }
                        return;
                    }
                    batch = _lines;
                    count = _count;
                    _lines = _spare;
                    _count = 0;
                    // Until this batch is written, a drain of the other array never runs (one drain at a time).
                    _spare = batch;
                }

                long written = 0;
                foreach (var line in batch.AsSpan(0, count))
                {
                    _writer.Write(line.Span);
                    written += line.Length;
                }
                Array.Clear(batch, 0, count);
                lock (_gate)
                {
                    _queuedBytes = Math.Max(0, _queuedBytes - written);
                }

                var result = await _writer.FlushAsync();
                if (result.IsCompleted || result.IsCanceled)
                {
                    // The peer is gone: nothing more can be written.
                    lock (_gate)
                    {
                        _closed = true;
                        ClearQueue();
                        StopHolding();
                        _queuedBytes = 0;
                    }
                }
            }
        }
        catch (Exception)
        {
            // The transport failed under us (reset, aborted). The connection's read loop sees the
            // same failure and closes; here we only stop draining.
            lock (_gate)
            {
                _closed = true;
                _completed = true;
                _draining = false;
                ClearQueue();
                StopHolding();
            }
            _drained.Set();
        }
    }
}
