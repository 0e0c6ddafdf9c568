using Parley.Client;
using Parley.Client.Dcc;

namespace Parley.Cli.Chat;

// What the server and the direct sessions report, as lines.
internal sealed partial class ChatSession
{
    /// <summary>Numerics not worth a line: welcome burst, ISUPPORT, LUSERS, MOTD, ends of lists.</summary>
    private static readonly HashSet<string> Quiet =
    [
        "001", "002", "003", "004", "005", "042", "250", "251", "252", "253", "254", "255", "265", "266",
        "372", "375", "376", "422", "366", "315", "318", "396", "900", "903", "MODE", "PING", "CAP",
    ];

    /// <summary>The current client's first ConnectedEvent (its login) was seen; later ones are reconnects. Pump only.</summary>
    private bool _firstConnectSeen;

    private async Task PumpAsync(IrcClient client)
    {
        await foreach (var e in client.Events.ReadAllAsync())
        {
            try
            {
                await OnClientEventAsync(client, e);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One odd event must not stop the pump: the client would stall on its full queue.
                Error($"could not show an event ({e.GetType().Name}): {ex.Message}");
            }
        }
        if (ReferenceEquals(_client, client))
        {
            // The client stopped on its own (gave up reconnecting, or credentials refused).
            lock (_gate)
            {
                _client = null;
                _published = null;
            }
            _direct.Server = null;
            _direct.StopListening(); // tokens come through the server: without it, nobody can pass
            Info("logged out (the connection to the server is gone; direct chats stay open)");
        }
    }

    private ValueTask OnClientEventAsync(IrcClient client, ClientEvent e)
    {
        switch (e)
        {
            case MessageEvent m:
                OnMessage(client, m);
                break;
            case DccOfferEvent o:
                if (_direct.OnOffer(o.From, o.Offer) == OfferOutcome.Pending)
                {
                    Remember(o.From);
                    var where = o.Offer.IsPassive ? "(passive: you listen, they connect)" : $"from {o.Offer.EndPoint}";
                    Info($"{o.From} offers a direct chat {where}: /accept {o.From} to take it, /close {o.From} to refuse");
                }
                break;
            case DirectChatTokenEvent token:
                _direct.OnToken(token.From, token.Arguments);
                break;
            case CtcpEvent { IsReply: true, Command: "DCC" } reject when reject.Arguments.StartsWith("REJECT CHAT", StringComparison.OrdinalIgnoreCase):
                _direct.OnRejected(reject.From);
                break;
            case CtcpEvent c:
                if (!c.IsReply)
                {
                    Info($"{c.From} sent CTCP {c.Command} {c.Arguments}".TrimEnd());
                }
                break;
            case JoinEvent j:
                Remember(j.Nick);
                Info($"{j.Nick} joined {j.Channel}");
                break;
            case PartEvent p:
                Info($"{p.Nick} left {p.Channel}" + (p.Reason is { Length: > 0 } r ? $" ({r})" : ""));
                break;
            case KickEvent k:
                Info($"{k.By} kicked {k.Nick} from {k.Channel}" + (k.Reason is { Length: > 0 } r2 ? $" ({r2})" : ""));
                break;
            case QuitEvent q:
                Info($"{q.Nick} quit" + (q.Reason is { Length: > 0 } r3 ? $" ({r3})" : ""));
                break;
            case NickEvent n:
                Remember(n.NewNick);
                Info($"{n.OldNick} is now {n.NewNick}");
                break;
            case TopicEvent t:
                Info($"{t.SetBy} set the topic of {t.Channel}: {t.Topic}");
                break;
            case AccountEvent a:
                Info(a.Account is null ? "logged out of the account" : $"logged in to account {a.Account}");
                break;
            case ConnectFailedEvent f:
                if (f.Attempts.Count == 0 && !ReferenceEquals(_client, client))
                {
                    break; // a refused login: LoginAsync says why, once
                }
                Error("connect failed: " + f.Error);
                break;
            case DisconnectedEvent d:
                if (!ReferenceEquals(_client, client))
                {
                    break; // our own /logout
                }
                Error("connection lost: " + d.Reason + (d.WillReconnect ? "; reconnecting" : ""));
                break;
            case ReconnectingEvent r4:
                Info($"reconnecting in {r4.Delay.TotalSeconds:0.0} s (attempt {r4.Attempt})");
                break;
            case ConnectedEvent c2:
                if (!_firstConnectSeen)
                {
                    _firstConnectSeen = true; // the login itself: LoginAsync reports it
                }
                else
                {
                    Info($"reconnected as {c2.Nick}" + (c2.Account is { } acc ? $" (account {acc})" : ""));
                    // Not on the pump: while the SET waits for its reply, the client's reader may be waiting for the pump to take events.
                    _ = Task.Run(() => PublishEndpointAsync(client, again: true));
                }
                break;
            case NumericEvent n2:
                OnNumeric(n2);
                break;
        }
        return ValueTask.CompletedTask;
    }

    private void OnMessage(IrcClient client, MessageEvent m)
    {
        if (!m.From.Contains('.', StringComparison.Ordinal))
        {
            Remember(m.From);
        }
        var conversation = m.IsPrivate ? m.From : m.Target;
        var stamp = Stamp(m.Time);
        var history = m.IsHistory ? " (history)" : "";
        string line;
        if (m.IsAction)
        {
            line = m.IsPrivate ? $"{stamp}{history} * {m.From} {m.Text}" : $"{stamp}{history} {m.Target}: * {m.From} {m.Text}";
        }
        else if (m.IsNotice)
        {
            line = m.IsPrivate ? $"{stamp}{history} -{m.From}- {m.Text}" : $"{stamp}{history} {m.Target}: -{m.From}- {m.Text}";
        }
        else
        {
            line = m.IsPrivate ? $"{stamp}{history} <{m.From}> {m.Text}" : $"{stamp}{history} {m.Target}: <{m.From}> {m.Text}";
        }
        _view.Show(line, m.From.Contains('.', StringComparison.Ordinal) ? null : conversation);
        if (!m.IsHistory && !m.IsNotice && !string.Equals(m.From, client.Nick, StringComparison.OrdinalIgnoreCase))
        {
            AddToInbox(new InboxEntry(m.Time, m.From, m.IsPrivate ? null : m.Target, m.IsAction ? "* " + m.Text : m.Text, Direct: false));
        }
    }

    private void OnNumeric(NumericEvent n)
    {
        if (Quiet.Contains(n.Code))
        {
            return;
        }
        var code = n.Code;
        var p = n.Parameters;
        switch (code)
        {
            case "332": // RPL_TOPIC
                Info($"topic of {n.Message.Param(1)}: {n.Text}");
                return;
            case "333" or "353" or "329":
                return;
            case "301": // RPL_AWAY on a message
                Info($"{n.Message.Param(1)} is away: {n.Text}");
                return;
            case "305" or "306":
                Info(n.Text);
                return;
            case "401":
                Error($"no such nick: {n.Message.Param(1)} (not online)");
                return;
            case "ERROR":
                Error("server: " + n.Text);
                return;
            case "FAIL" or "WARN":
                Error($"{code} {string.Join(' ', p.Take(p.Count - 1))}: {n.Text}");
                return;
        }
        if (code.Length == 3 && (code[0] is '4' or '5'))
        {
            var subject = p.Count > 2 ? p[1] + ": " : "";
            Error(subject + n.Text);
            return;
        }
        if (code.Length == 3 && char.IsAsciiDigit(code[0]))
        {
            Info(string.Join(' ', p.Skip(1)));
        }
    }

    private ValueTask OnDirectEventAsync(DirectChatEvent e)
    {
        switch (e)
        {
            case DirectOpenedEvent o:
                Remember(o.Peer);
                Current = o.Peer;
                Info($"direct chat with {o.Peer} open ({o.Remote}); /msg {o.Peer} now goes straight to them");
                break;
            case DirectMessageEvent m:
                var text = m.IsAction ? "* " + m.Text : m.Text;
                _view.Show($"{Stamp(m.Time)} ={m.Peer}= {text}", m.Peer);
                AddToInbox(new InboxEntry(m.Time, m.Peer, null, text, Direct: true));
                break;
            case DirectRefusedEvent r:
                Error($"refused a direct connection from {r.Remote}" + (r.Peer.Length > 0 ? $" (claiming to be {r.Peer})" : "") + $": {r.Reason}");
                break;
            case DirectClosedEvent c:
                Info($"direct chat with {c.Peer} closed: {c.Reason}");
                break;
        }
        return ValueTask.CompletedTask;
    }

    private void AddToInbox(InboxEntry entry)
    {
        lock (_gate)
        {
            if (_inbox.Count >= InboxLimit)
            {
                _inbox.RemoveAt(0);
            }
            _inbox.Add(entry);
        }
    }

    private void Remember(string nick)
    {
        lock (_gate)
        {
            if (_knownNicks.Count < 10_000)
            {
                _knownNicks.Add(nick);
            }
        }
    }
}
