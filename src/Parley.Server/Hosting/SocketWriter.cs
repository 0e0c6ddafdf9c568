using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Parley.Server.Hosting;

/// <summary>
/// A <see cref="PipeWriter"/> straight over a non-blocking socket (see <see cref="LeanSocketConnection"/>):
/// what is written collects in one rented buffer; <see cref="FlushAsync"/> sends it all and
/// completes when the kernel took it (so a peer that does not read holds the flush: the
/// outbox's SendQ then grows and overflows), then returns the buffer. An idle writer holds none.
/// </summary>
/// <remarks>
/// Threading: one writer at a time (the PipeWriter contract: no write while a flush is pending);
/// <see cref="CancelPendingFlush"/> from any thread. Cancelling a flush that waits for the peer
/// shuts the socket down: the only caller, the outbox on a SendQ overflow, is dropping the
/// connection anyway, and a send the kernel accepted cannot be taken back.
/// </remarks>
/// <param name="socket">The connection's socket, non-blocking.</param>
/// <param name="completed">Called once when the application completes the writer (the connection closes the socket).</param>
internal sealed class SocketWriter(Socket socket, Action? completed = null) : PipeWriter
{
    private const int MinBuffer = 4096;

    private byte[]? _buffer;
    private int _written;
    private volatile bool _cancel;
    private volatile bool _sending;
    private bool _completed;
    private bool _peerGone;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null || _written + bytes > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes));
        }
        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint).AsMemory(_written);

    public override Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint).AsSpan(_written);

    private byte[] Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(MinBuffer, sizeHint));
        }
        else if (_buffer.Length - _written < sizeHint)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        return _buffer;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_cancel)
        {
            _cancel = false;
            Discard();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
        }
        if (_peerGone)
        {
            Discard();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }
        if (_written == 0)
        {
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }
        // First without waiting (the socket is non-blocking): the kernel usually takes it all, and
        // then no asynchronous send ever runs, so the socket never allocates the event args it
        // caches for one (about 360 bytes kept per connection).
        var sent = socket.Send(_buffer.AsSpan(0, _written), SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == _written)
        {
            Discard();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }
        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            _peerGone = true;
            Discard();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }
        return SendAsync(error == SocketError.Success ? sent : 0, cancellationToken);
    }

    private async ValueTask<FlushResult> SendAsync(int sent, CancellationToken cancellationToken)
    {
        _sending = true;
        try
        {
            while (sent < _written)
            {
                sent += await socket.SendAsync(_buffer.AsMemory(sent, _written - sent), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            _peerGone = true;
        }
        finally
        {
            _sending = false;
            Discard();
        }
        if (_cancel)
        {
            _cancel = false;
            return new FlushResult(isCanceled: true, isCompleted: _peerGone);
        }
        return new FlushResult(isCanceled: false, isCompleted: _peerGone);
    }

    /// <summary>Forgets what was written and gives the buffer back.</summary>
    private void Discard()
    {
        _written = 0;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    public override void CancelPendingFlush()
    {
        _cancel = true;
        if (_sending)
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Already closed.
            }
        }
    }

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        if (!_sending)
        {
            Discard();
        }
        completed?.Invoke();
    }
}
