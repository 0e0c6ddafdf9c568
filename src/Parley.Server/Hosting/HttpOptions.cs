namespace Parley.Server.Hosting;

/// <summary>
/// The HTTP side, bound from <c>Server:Http</c>: where the web client, the IRC-over-WebSocket
/// transport and the health endpoints are served, and whom WebSocket clients are taken from.
/// </summary>
public sealed record HttpOptions
{
    /// <summary>Whether the <see cref="Listen"/> listeners are opened (<c>--no-http</c> turns them off).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// HTTP listeners (HOST:PORT as for <see cref="ServerOptions.Listen"/>): the web client at
    /// <c>/</c>, WebSocket upgrades on any path, <c>/healthz</c>, <c>/readyz</c> and (unless moved)
    /// <c>/metrics</c>. Empty here: none; <c>parley serve</c> makes it <c>localhost:8080</c> when
    /// nothing is configured and that port is free (see docs/configuration.md).
    /// </summary>
    public IReadOnlyList<string> Listen { get; init; } = [];

    /// <summary>
    /// An address of <see cref="Listen"/> that is taken when the server starts is skipped with a
    /// warning instead of failing the start. <c>parley serve</c> sets it for its default
    /// (<c>localhost:8080</c>), so servers started side by side do not fail for a port they do
    /// not need; an address asked for explicitly must bind.
    /// </summary>
    public bool ListenIfFree { get; init; }

    /// <summary>
    /// Listeners for IRC over WebSocket only (<c>--websocket</c>): every upgrade on any path
    /// goes to the IRC transport; anything else gets 426 Upgrade Required. Health endpoints are
    /// served here too.
    /// </summary>
    public IReadOnlyList<string> WebSocketListen { get; init; } = [];

    /// <summary>
    /// Browser origins (<c>https://chat.example.org</c>) allowed to open an IRC WebSocket besides
    /// the server's own (the same origin, whose host and port are the request's Host, is always
    /// allowed), or <c>*</c> for any; a leading <c>*.</c> in the host matches its subdomains.
    /// Empty: the same origin only. Requests without an
    /// Origin header (not from a browser) are always allowed: the check protects browser users
    /// from other sites, not the server from programs.
    /// </summary>
    public IReadOnlyList<string> WebSocketOrigins { get; init; } = [];

    /// <summary>
    /// Reverse proxies (addresses or CIDR blocks) whose <c>Forwarded</c> or
    /// <c>X-Forwarded-For</c> header gives the client's real address. From anyone else those
    /// headers are ignored. Empty: none.
    /// </summary>
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
}

/// <summary>Prometheus metrics, bound from <c>Server:Metrics</c> (see docs/operations.md).</summary>
public sealed record MetricsOptions
{
    /// <summary>Whether <c>/metrics</c> is served (<c>--no-metrics</c> turns it off).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>
    /// Listeners of their own for <c>/metrics</c> (and the health endpoints): when set, the
    /// HTTP listeners no longer serve <c>/metrics</c>. Empty: served on the HTTP listeners.
    /// </summary>
    public IReadOnlyList<string> Listen { get; init; } = [];
}
