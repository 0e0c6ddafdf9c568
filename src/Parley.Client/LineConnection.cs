using System.Buffers;
using System.IO.Pipelines;
using Parley.Protocol;

namespace Parley.Client;

/// <summary>
/// Lines over a byte stream, for IRC and DCC CHAT alike: a <see cref="PipeReader"/> read
/// loop with <see cref="LineFramer"/> (CRLF or LF, capped, so a peer that never sends a
/// newline costs at most the cap) and a <see cref="PipeWriter"/> for output. Short reads
/// and writes are the pipes' business: a line may arrive in any number of pieces.
/// </summary>
/// <remarks>
/// Threading: one reader at a time (<see cref="ReadLineAsync"/>); writers may come from any
/// thread, serialized by a semaphore so lines never interleave.
/// </remarks>
public sealed class LineConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly PipeWriter _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private LineFramer _framer;
    private int _disposed;

    public LineConnection(Stream stream, int maxLineBytes = IrcLimits.MaxFramedLineBytes)
    {
        _stream = stream;
        _framer = new LineFramer(maxLineBytes);
        // A small minimum read keeps each connection's buffer near one line.
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true));
        _writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>Lines dropped because they passed the cap.</summary>
    public int OverlongLines { get; private set; }

    /// <summary>The next line's bytes without its newline, or null at the end of the stream.</summary>
    public async ValueTask<byte[]?> ReadLineAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var consumedAll = false;
            try
            {
                while (true)
                {
                    var frame = _framer.TryReadLine(ref buffer, out var line);
                    if (frame == FrameResult.Line)
                    {
                        var bytes = line.ToArray();
                        _reader.AdvanceTo(buffer.Start);
                        consumedAll = true;
                        return bytes;
                    }
                    if (frame == FrameResult.TooLong)
                    {
                        OverlongLines++;
                        continue;
                    }
                    break;
                }
                if (result.IsCompleted || result.IsCanceled)
                {
                    // A partial line at the end of the stream is not a line.
                    return null;
                }
            }
            finally
            {
                if (!consumedAll)
                {
                    _reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
    }

    /// <summary>Writes one IRC message and flushes.</summary>
    public ValueTask WriteAsync(IrcMessage message, CancellationToken cancellationToken = default) =>
        WriteRawAsync(IrcWriter.ToBytes(message), cancellationToken);

    /// <summary>Writes bytes that already end in a newline, and flushes.</summary>
    public async ValueTask WriteRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _writer.WriteAsync(bytes, cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _reader.CancelPendingRead();
        try
        {
            await _writer.CompleteAsync();
        }
        catch (IOException)
        {
            // The peer is gone; nothing left to flush to.
        }
        catch (ObjectDisposedException)
        {
        }
        await _stream.DisposeAsync();
        _writeGate.Dispose();
    }
}
