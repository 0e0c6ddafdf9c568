using System.Collections;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Parley.Server.Hosting;

/// <summary>
/// One accepted TCP connection for Kestrel, lighter than Kestrel's own socket transport: an idle
/// connection holds its socket, this object, its reader and writer and no buffer (issue 7).
/// Kestrel's transport keeps two <see cref="Pipe"/>s, their buffer segments, a receiver, a sender
/// and their state machines per connection, about 4 KB of live heap at idle; this one about 1 KB.
/// </summary>
/// <remarks>
/// Input (<see cref="SocketReader"/>) waits for data with a zero-byte receive and rents a buffer
/// only once bytes are there, returning it when everything was consumed; it receives only while
/// the application waits in ReadAsync, so unread input stays in the kernel (TCP backpressure)
/// and what is buffered never exceeds the RecvQ. Output (<see cref="SocketWriter"/>) collects
/// what the application writes in a rented buffer and sends it on FlushAsync, which completes
/// when the kernel took everything (backpressure), then returns the buffer.
/// Threading: as Kestrel's transports: one reader and one writer at a time; <see cref="Abort"/>
/// and <see cref="DisposeAsync"/> from any thread.
/// </remarks>
internal sealed class LeanSocketConnection : ConnectionContext, IDuplexPipe
{
    private readonly Socket _socket;
    private readonly SocketReader _input;
    private readonly SocketWriter _output;
    private SmallFeatureCollection? _features;
    private IDictionary<object, object?>? _items;
    private string? _id;
    private int _disposed;

    public LeanSocketConnection(Socket socket, int maxBufferedInput)
    {
        _socket = socket;
        // Sends are tried synchronously first (SocketWriter); asynchronous operations are not affected.
        socket.Blocking = false;
        _input = new SocketReader(socket, maxBufferedInput);
        // As Kestrel's transport: once the application completed its output, the socket closes
        // at once (the peer sees the end right after the last line), not when Kestrel disposes
        // the connection after the handler returned.
        _output = new SocketWriter(socket, Close);
        Transport = this;
    }

    PipeReader IDuplexPipe.Input => _input;
    PipeWriter IDuplexPipe.Output => _output;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId
    {
        get => _id ??= "lean-" + _socket.Handle.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features ??= new SmallFeatureCollection();

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _remote ??= SafeEndPoint(static s => s.RemoteEndPoint);
        set => _remote = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _local ??= SafeEndPoint(static s => s.LocalEndPoint);
        set => _local = value;
    }

    private EndPoint? _remote;
    private EndPoint? _local;

    private EndPoint? SafeEndPoint(Func<Socket, EndPoint?> get)
    {
        try
        {
            return get(_socket);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    public override void Abort(ConnectionAbortedException abortReason) => Shutdown();

    public override ValueTask DisposeAsync()
    {
        Close();
        _input.Complete();
        _output.Complete();
        return base.DisposeAsync();
    }

    /// <summary>Shuts the socket down and closes it, once.</summary>
    private void Close()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Shutdown();
            _socket.Dispose();
        }
    }

    private void Shutdown()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed.
        }
    }

    /// <summary>The few features Kestrel and the TLS middleware set on a connection, in a small array.</summary>
    private sealed class SmallFeatureCollection : IFeatureCollection
    {
        private KeyValuePair<Type, object>[] _items = new KeyValuePair<Type, object>[4];
        private int _count;

        public bool IsReadOnly => false;
        public int Revision { get; private set; }

        public object? this[Type key]
        {
            get
            {
                for (var i = 0; i < _count; i++)
                {
                    if (_items[i].Key == key)
                    {
                        return _items[i].Value;
                    }
                }
                return null;
            }
            set
            {
                Revision++;
                for (var i = 0; i < _count; i++)
                {
                    if (_items[i].Key == key)
                    {
                        if (value is null)
                        {
                            _items[i] = _items[--_count];
                            _items[_count] = default;
                        }
                        else
                        {
                            _items[i] = new(key, value);
                        }
                        return;
                    }
                }
                if (value is null)
                {
                    return;
                }
                if (_count == _items.Length)
                {
                    Array.Resize(ref _items, _count * 2);
                }
                _items[_count++] = new(key, value);
            }
        }

        public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

        public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
        {
            for (var i = 0; i < _count; i++)
            {
                yield return _items[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
