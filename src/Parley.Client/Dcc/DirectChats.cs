using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Parley.Client.Dcc;

/// <summary>
/// The direct (DCC CHAT) sessions of one user, by peer nick: offers we make (we listen, or the
/// passive form with a token when we cannot), offers we received (kept until accepted:
/// never acted on by themselves), open sessions and their line loops. Offers travel as CTCP
/// through <see cref="Server"/>; sessions, once open, need no server and outlive it. A Parley
/// client also keeps one standing listener with a handshake that uses the server as the
/// authority on who connects (DirectChats.Standing.cs).
/// </summary>
/// <remarks>
/// Thread-safe. Events go to the sink from the sessions' read loops, one at a time per
/// session; the sink must not block for long.
/// </remarks>
public sealed partial class DirectChats : IAsyncDisposable
{
    /// <summary>Incoming offers kept at once: a flood of offers cannot grow memory.</summary>
    private const int MaxPendingOffers = 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Session> _open = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (DccOffer Offer, DateTimeOffset Time)> _offers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (string Peer, TaskCompletionSource<DccOffer> Answer)> _passive = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CancellationTokenSource> _outgoing = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<DirectChatEvent, ValueTask> _sink;
    private readonly TimeProvider _time;

    public DirectChats(Func<DirectChatEvent, ValueTask> sink, TimeProvider? time = null)
    {
        _sink = sink;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The server connection offers go through; null when logged out.</summary>
    public IrcClient? Server { get; set; }

    /// <summary>Where offers listen for peers (an ephemeral port each); null: the local address of the server connection (loopback without one).</summary>
    public IPAddress? ListenAddress { get; set; }

    /// <summary>How long an offer waits for the peer.</summary>
    public TimeSpan OfferTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Whether offers from peers are taken in (off after logout).</summary>
    public bool Accepting { get; set; } = true;

    public IReadOnlyList<string> OpenPeers
    {
        get { lock (_gate) { return [.. _open.Keys]; } }
    }

    public IReadOnlyList<(string Peer, DccOffer Offer)> PendingOffers
    {
        get { lock (_gate) { return [.. _offers.Select(o => (o.Key, o.Value.Offer))]; } }
    }

    public bool IsOpen(string peer)
    {
        lock (_gate)
        {
            return _open.ContainsKey(peer);
        }
    }

    /// <summary>
    /// Takes a DCC CHAT offer seen on the server. An answer to our passive offer (its token)
    /// completes it; any other offer is kept for <see cref="AcceptAsync"/>, unless we are not
    /// accepting or too many are pending.
    /// </summary>
    public OfferOutcome OnOffer(string from, DccOffer offer)
    {
        lock (_gate)
        {
            if (offer.Token is not null && !offer.IsPassive && _passive.TryGetValue(offer.Token, out var waiting)
                && string.Equals(waiting.Peer, from, StringComparison.OrdinalIgnoreCase))
            {
                _passive.Remove(offer.Token);
                waiting.Answer.TrySetResult(offer);
                return OfferOutcome.Answer;
            }
            if (!Accepting || (_offers.Count >= MaxPendingOffers && !_offers.ContainsKey(from)))
            {
                return OfferOutcome.Refused;
            }
            _offers[from] = (offer, _time.GetUtcNow());
            return OfferOutcome.Pending;
        }
    }

    /// <summary>Offers a direct chat to <paramref name="peer"/> and waits until it is open (or fails).</summary>
    public async Task OfferAsync(string peer, bool passive = false, CancellationToken cancellationToken = default)
    {
        var server = Server ?? throw new InvalidOperationException("not connected to a server");
        if (IsOpen(peer))
        {
            throw new InvalidOperationException($"a direct chat with {peer} is already open");
        }
        var address = OwnAddress(server);
        if (passive)
        {
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
            var answer = new TaskCompletionSource<DccOffer>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate)
            {
                _passive[token] = (peer, answer);
            }
            try
            {
                await server.SendCtcpAsync(peer, "DCC", new DccOffer(address, 0, token).ToCtcpArguments());
                var reply = await answer.Task.WaitAsync(OfferTimeout, _time, cancellationToken);
                var chat = await DccChat.ConnectAsync(peer, reply.EndPoint, TimeSpan.FromSeconds(10), cancellationToken);
                await OpenAsync(chat);
            }
            finally
            {
                lock (_gate)
                {
                    _passive.Remove(token);
                }
            }
            return;
        }
        using var listener = DccListener.Start(address);
        using var refused = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_gate)
        {
            _outgoing[peer] = refused;
        }
        try
        {
            await server.SendCtcpAsync(peer, "DCC", new DccOffer(listener.EndPoint.Address, listener.EndPoint.Port, null).ToCtcpArguments());
            var accepted = await listener.AcceptAsync(peer, OfferTimeout, _time, refused.Token);
            await OpenAsync(accepted);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"{peer} refused the direct chat");
        }
        finally
        {
            lock (_gate)
            {
                if (_outgoing.TryGetValue(peer, out var current) && current == refused)
                {
                    _outgoing.Remove(peer);
                }
            }
        }
    }

    /// <summary>
    /// The peer refused our offer (CTCP <c>DCC REJECT CHAT chat</c>, as irssi sends): stop
    /// waiting for it. False when no offer of ours to that peer was waiting.
    /// </summary>
    public bool OnRejected(string peer)
    {
        CancellationTokenSource? waiting;
        lock (_gate)
        {
            _outgoing.Remove(peer, out waiting);
        }
        waiting?.Cancel();
        return waiting is not null;
    }

    /// <summary>Accepts the offer <paramref name="peer"/> made: connects to it, or for a passive offer listens and answers.</summary>
    public async Task AcceptAsync(string peer, CancellationToken cancellationToken = default)
    {
        DccOffer offer;
        lock (_gate)
        {
            if (!_offers.Remove(peer, out var pending))
            {
                throw new InvalidOperationException($"no direct chat offer from {peer}");
            }
            offer = pending.Offer;
        }
        if (!offer.IsPassive)
        {
            var chat = await DccChat.ConnectAsync(peer, offer.EndPoint, TimeSpan.FromSeconds(10), cancellationToken);
            await OpenAsync(chat);
            return;
        }
        var server = Server ?? throw new InvalidOperationException("the passive offer needs the server to answer through");
        using var listener = DccListener.Start(OwnAddress(server));
        await server.SendCtcpAsync(peer, "DCC", new DccOffer(listener.EndPoint.Address, listener.EndPoint.Port, offer.Token).ToCtcpArguments());
        var accepted = await listener.AcceptAsync(peer, OfferTimeout, _time, cancellationToken);
        await OpenAsync(accepted);
    }

    /// <summary>Sends a line to an open session; false when none is open with that peer.</summary>
    public async Task<bool> SendAsync(string peer, string text, CancellationToken cancellationToken = default)
    {
        Session? session;
        lock (_gate)
        {
            _open.TryGetValue(peer, out session);
        }
        if (session is null)
        {
            return false;
        }
        try
        {
            await session.Chat.SendAsync(text, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            await CloseAsync(peer);
            return false;
        }
    }

    /// <summary>Closes the session with <paramref name="peer"/> (and forgets a pending offer from it).</summary>
    public async Task<bool> CloseAsync(string peer)
    {
        Session? session;
        bool hadOffer;
        lock (_gate)
        {
            _open.Remove(peer, out session);
            hadOffer = _offers.Remove(peer);
        }
        if (session is null)
        {
            if (hadOffer && Server is { } server)
            {
                // Tell the offerer, so it stops waiting (irssi and WeeChat understand this).
                await server.SendAsync(new Parley.Protocol.IrcMessage("NOTICE", peer, Ctcp.Format("DCC", "REJECT CHAT chat")));
            }
            return hadOffer;
        }
        session.Closing = true;
        await session.Chat.DisposeAsync();
        await session.Loop;
        return true;
    }

    /// <summary>Stops taking offers and forgets the pending ones; open sessions stay open.</summary>
    public void StopAccepting()
    {
        StopListening();
        lock (_gate)
        {
            Accepting = false;
            _offers.Clear();
            foreach (var waiting in _passive.Values)
            {
                waiting.Answer.TrySetCanceled();
            }
            _passive.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        StopAccepting();
        foreach (var peer in OpenPeers)
        {
            await CloseAsync(peer);
        }
    }

    private IPAddress OwnAddress(IrcClient server)
    {
        if (ListenAddress is not null)
        {
            return ListenAddress;
        }
        var local = server.LocalEndPoint?.Address;
        if (local is null)
        {
            return IPAddress.Loopback;
        }
        return local.IsIPv4MappedToIPv6 ? local.MapToIPv4() : local;
    }

    private async Task OpenAsync(DccChat chat)
    {
        var session = new Session(chat);
        Session? previous;
        lock (_gate)
        {
            _open.Remove(chat.Peer, out previous);
            _open[chat.Peer] = session;
        }
        if (previous is not null)
        {
            previous.Closing = true;
            await previous.Chat.DisposeAsync();
        }
        await _sink(new DirectOpenedEvent(_time.GetUtcNow(), chat.Peer, chat.RemoteEndPoint));
        session.Loop = Task.Run(() => ReadLoopAsync(session));
    }

    private async Task ReadLoopAsync(Session session)
    {
        var peer = session.Chat.Peer;
        while (await session.Chat.ReadLineAsync() is { } line)
        {
            var isAction = Ctcp.TryParse(line, out var command, out var arguments) && command == "ACTION";
            await _sink(new DirectMessageEvent(_time.GetUtcNow(), peer, isAction ? arguments : line, isAction));
        }
        lock (_gate)
        {
            if (_open.TryGetValue(peer, out var current) && current == session)
            {
                _open.Remove(peer);
            }
        }
        await session.Chat.DisposeAsync();
        await _sink(new DirectClosedEvent(_time.GetUtcNow(), peer, session.Closing ? "closed" : "the peer closed the session"));
    }

    private sealed class Session(DccChat chat)
    {
        public DccChat Chat { get; } = chat;
        public Task Loop { get; set; } = Task.CompletedTask;
        public volatile bool Closing;
    }
}
