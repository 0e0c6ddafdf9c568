using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Connections;

namespace Parley.Server.Hosting;

/// <summary>
/// A <see cref="PipeReader"/> straight over a socket, holding no buffer while there is nothing
/// to read (see <see cref="LeanSocketConnection"/>).
/// </summary>
/// <remarks>
/// When the application wants more data and nothing is buffered, the reader waits with a
/// zero-byte receive (the kernel says "readable" without a buffer being committed), then rents
/// a buffer and receives what is there. A receive runs only while the application waits in
/// <see cref="ReadAsync"/>; the buffered data is one array (compacted or grown, never beyond
/// the RecvQ), so <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> is index
/// arithmetic. The buffer is never moved or returned while a receive writes into it.
/// Threading: one reader at a time (the PipeReader contract); <see cref="CancelPendingRead"/>
/// and <see cref="Complete"/> from any thread; <c>_gate</c> guards the state, never across I/O.
/// </remarks>
internal sealed class SocketReader : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>The first buffer: a few hundred IRC lines, the size of Kestrel's blocks.</summary>
    private const int MinBuffer = 4096;

    private readonly Socket _socket;
    private readonly int _maxBuffered;
    private readonly Lock _gate = new();
    private readonly Action _onReceived;
    private ManualResetValueTaskSourceCore<ReadResult> _source = new() { RunContinuationsAsynchronously = true };
    private ValueTaskAwaiter<int> _pending;
    private CancellationTokenRegistration _cancelRegistration;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _examinedAll = true;
    private bool _waiting;
    private bool _receiving;
    private bool _zeroByte;
    private bool _readable;
    private bool _eof;
    private bool _cancelNext;
    private bool _completed;
    private Exception? _error;

    public SocketReader(Socket socket, int maxBuffered)
    {
        _socket = socket;
        _maxBuffered = Math.Max(maxBuffered, MinBuffer);
        _onReceived = OnReceived;
    }

    /// <summary>Whether a buffer is held now (tests: an idle reader holds none).</summary>
    internal bool HoldsBuffer
    {
        get
        {
            lock (_gate)
            {
                return _buffer is not null;
            }
        }
    }

    private ReadOnlySequence<byte> Current
        => _buffer is null || _end == _start ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_completed, this);
            if (_waiting)
            {
                throw new InvalidOperationException("A read is already pending.");
            }
            if (TryTake(out var ready))
            {
                return new ValueTask<ReadResult>(ready);
            }
            _waiting = true;
            _source.Reset();
        }
        if (cancellationToken.CanBeCanceled)
        {
            _cancelRegistration = cancellationToken.UnsafeRegister(
                static (state, token) => ((SocketReader)state!).Wake(null, new OperationCanceledException(token)), this);
        }
        Pump();
        return new ValueTask<ReadResult>(this, _source.Version);
    }

    public override bool TryRead(out ReadResult result)
    {
        lock (_gate)
        {
            return TryTake(out result);
        }
    }

    /// <summary>Under <c>_gate</c>: a result available without receiving, if any.</summary>
    private bool TryTake(out ReadResult result)
    {
        if (_cancelNext)
        {
            _cancelNext = false;
            result = new ReadResult(Current, isCanceled: true, isCompleted: false);
            return true;
        }
        if (_error is not null)
        {
            throw _error;
        }
        if ((_end > _start && !_examinedAll) || _eof)
        {
            result = new ReadResult(Current, isCanceled: false, isCompleted: _eof);
            return true;
        }
        result = default;
        return false;
    }

    /// <summary>Starts receives until one is pending or the waiting read got its result.</summary>
    private void Pump()
    {
        while (true)
        {
            Memory<byte> target;
            lock (_gate)
            {
                if (_receiving || !_waiting || _completed)
                {
                    return;
                }
                if (_end == _start && !_readable)
                {
                    ReturnBuffer();
                    target = Memory<byte>.Empty;
                    _zeroByte = true;
                }
                else
                {
                    target = FreeSpace();
                    if (target.IsEmpty)
                    {
                        // The application examined a full RecvQ without consuming: it cannot go on.
                        _error = new IOException("Input buffer full (RecvQ exceeded)");
                        WakeUnderGate(null, _error);
                        return;
                    }
                    _zeroByte = false;
                }
                _receiving = true;
            }
            ValueTaskAwaiter<int> receive;
            try
            {
                receive = AwaiterOf(_socket.ReceiveAsync(target, SocketFlags.None));
            }
            catch (Exception e)
            {
                if (!Received(0, e))
                {
                    return;
                }
                continue;
            }
            if (!receive.IsCompleted)
            {
                _pending = receive;
                receive.UnsafeOnCompleted(_onReceived);
                return;
            }
            if (!Received(receive))
            {
                return;
            }
        }
    }

    // Consumed exactly once: by Received, now or from the completion callback.
    private static ValueTaskAwaiter<int> AwaiterOf(ValueTask<int> receive) => receive.GetAwaiter();

    private void OnReceived()
    {
        var receive = _pending;
        _pending = default;
        if (Received(receive))
        {
            Pump();
        }
    }

    /// <summary>Takes a finished receive's outcome; true to go on receiving (a zero-byte receive said "readable").</summary>
    private bool Received(ValueTaskAwaiter<int> receive)
    {
        try
        {
            return Received(receive.GetResult(), null);
        }
        catch (Exception e)
        {
            return Received(0, e);
        }
    }

    private bool Received(int count, Exception? failure)
    {
        Exception? error = null;
        ReadResult result;
        switch (failure)
        {
            case null:
                break;
            case SocketException e when e.SocketErrorCode is SocketError.OperationAborted or SocketError.Shutdown or SocketError.Interrupted:
            case ObjectDisposedException:
                // Closed under us (Abort, dispose): as the end of input.
                count = 0;
                break;
            case SocketException e when e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted:
                error = new ConnectionResetException(e.Message, e);
                break;
            default:
                error = new IOException(failure.Message, failure);
                break;
        }
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            _receiving = false;
            if (_completed)
            {
                ReturnBuffer();
                return false;
            }
            if (error is not null)
            {
                _error = error;
            }
            else if (_zeroByte)
            {
                _zeroByte = false;
                _readable = true;
                return _waiting;
            }
            else
            {
                _readable = false;
                if (count == 0)
                {
                    _eof = true;
                }
                else
                {
                    _end += count;
                    _examinedAll = false;
                }
            }
            if (!_waiting)
            {
                return false;
            }
            // From here the waiting read is ours to complete: nobody else touches _source until
            // the application reads again, which it can do only once woken.
            _waiting = false;
            registration = _cancelRegistration;
            _cancelRegistration = default;
            error = _error;
            result = new ReadResult(Current, isCanceled: false, isCompleted: _eof);
        }
        registration.Dispose();
        // Outside the lock, and inline: the read loop goes on handling the line on this thread
        // (the one the socket's completion was given), as Kestrel's transport does with inline
        // scheduling, instead of one more thread-pool hop. The hop let a line that arrived later
        // on another connection be handled first (a PING's PONG overtaking an earlier PRIVMSG).
        _source.RunContinuationsAsynchronously = false;
        if (error is not null)
        {
            _source.SetException(error);
        }
        else
        {
            _source.SetResult(result);
        }
        return false;
    }

    /// <summary>Under <c>_gate</c>: room after the data, compacting or growing the buffer (never moved while receiving).</summary>
    private Memory<byte> FreeSpace()
    {
        _buffer ??= ArrayPool<byte>.Shared.Rent(MinBuffer);
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            else if (_buffer.Length < _maxBuffered)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, _maxBuffered));
                _buffer.AsSpan(0, _end).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            else
            {
                return Memory<byte>.Empty;
            }
        }
        return _buffer.AsMemory(_end);
    }

    /// <summary>Under <c>_gate</c>: gives the buffer back when it holds nothing and no receive uses it.</summary>
    private void ReturnBuffer()
    {
        if (_buffer is not null && !_receiving && _end == _start)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = 0;
        }
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_gate)
        {
            var data = Current;
            if (data.IsEmpty)
            {
                _examinedAll = true;
                return;
            }
            var consumedCount = (int)data.Slice(0, consumed).Length;
            var examinedCount = (int)data.Slice(0, examined).Length;
            _start += consumedCount;
            _examinedAll = examinedCount >= data.Length;
            if (_start == _end)
            {
                _examinedAll = true;
                ReturnBuffer();
            }
        }
    }

    public override void CancelPendingRead()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                _cancelNext = true;
                return;
            }
            WakeUnderGate(new ReadResult(Current, isCanceled: true, isCompleted: false), null);
        }
    }

    /// <summary>Completes the waiting read (cancellation token fired).</summary>
    private void Wake(ReadResult? result, Exception? error)
    {
        lock (_gate)
        {
            if (_waiting)
            {
                WakeUnderGate(result, error);
            }
        }
    }

    private void WakeUnderGate(ReadResult? result, Exception? error)
    {
        _waiting = false;
        // Under the lock: the read loop must not run here (it takes the lock).
        _source.RunContinuationsAsynchronously = true;
        // Not disposed here: Dispose waits for a running callback, which may be the caller.
        _cancelRegistration = default;
        if (error is not null)
        {
            _source.SetException(error);
        }
        else
        {
            _source.SetResult(result!.Value);
        }
    }

    public override void Complete(Exception? exception = null)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }
            _completed = true;
            _start = _end;
            ReturnBuffer();
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _source.OnCompleted(continuation, state, token, flags);
}
