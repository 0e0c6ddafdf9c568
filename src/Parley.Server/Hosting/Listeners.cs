using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Parley.Server.Hosting;

/// <summary>What a listener is for.</summary>
public enum ListenerKind
{
    /// <summary>IRC over TCP (<c>--listen</c>).</summary>
    Irc,

    /// <summary>IRC over TLS (<c>--tls-listen</c>); also HTTPS and wss for clients that speak HTTP.</summary>
    IrcTls,

    /// <summary>The web client, WebSocket, health and metrics (<c>--http-listen</c>).</summary>
    Http,

    /// <summary>IRC over WebSocket only (<c>--websocket</c>).</summary>
    WebSocket,

    /// <summary>Metrics and health only (<c>--metrics-listen</c>).</summary>
    Metrics,
}

/// <summary>
/// The listeners configured, by kind; after start, Kestrel has written the bound address
/// (the real port where 0 was asked) into each one's options. Filled while Kestrel is
/// configured, read after start.
/// </summary>
public sealed class Listeners
{
    private readonly Lock _gate = new();
    private readonly List<(ListenerKind Kind, ListenOptions Options)> _all = [];
    private readonly HashSet<EndPoint> _optional = [];
    private readonly HashSet<EndPoint> _skipped = [];

    /// <summary>An address that may be skipped when taken (<see cref="HttpOptions.ListenIfFree"/>).</summary>
    internal void AddOptional(EndPoint endpoint)
    {
        lock (_gate)
        {
            _optional.Add(endpoint);
        }
    }

    /// <summary>Whether binding <paramref name="endpoint"/> may fail (it is then noted as skipped).</summary>
    internal bool SkipIfOptional(EndPoint endpoint)
    {
        lock (_gate)
        {
            return _optional.Contains(endpoint) && _skipped.Add(endpoint);
        }
    }

    internal void Add(ListenerKind kind, ListenOptions options)
    {
        lock (_gate)
        {
            _all.Add((kind, options));
        }
    }

    /// <summary>The addresses bound for one kind, in the order they were configured.</summary>
    public IReadOnlyList<IPEndPoint> Bound(ListenerKind kind)
    {
        lock (_gate)
        {
            return [.. _all.Where(l => l.Kind == kind && l.Options.IPEndPoint is not null && !_skipped.Contains(l.Options.IPEndPoint)).Select(l => l.Options.IPEndPoint!)];
        }
    }
}
