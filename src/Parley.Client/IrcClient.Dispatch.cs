using System.Globalization;
using Parley.Client.Dcc;
using Parley.Protocol;

namespace Parley.Client;

// The read loop after registration, and what each message becomes.
public sealed partial class IrcClient
{
    /// <summary>Message ids already reported, so history fetched after a reconnect shows nothing twice.</summary>
    private const int SeenIdsKept = 2048;

    private readonly HashSet<string> _channels = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _conversations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _batches = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly List<Query> _queries = [];
    private DateTimeOffset? _lastSeen;

    /// <summary>Channels the client is in (rejoined after a reconnect).</summary>
    public IReadOnlyCollection<string> Channels
    {
        get { lock (_gate) { return [.. _channels]; } }
    }

    /// <returns>Why the connection ended.</returns>
    private async Task<string> ReadLoopAsync(LineConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var m = await NextAsync(connection, cancellationToken);
                if (!OfferToQueries(m))
                {
                    await HandleAsync(m, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return "stopped";
        }
        catch (IOException e)
        {
            return e.Message;
        }
        catch (ObjectDisposedException)
        {
            return "connection closed";
        }
        finally
        {
            FailQueries();
        }
    }

    private async ValueTask HandleAsync(IrcMessage m, CancellationToken ct)
    {
        if (!_registered && m.Command is Numerics.ERR_NICKNAMEINUSE or "432" or "436" or "437")
        {
            // Before the welcome a refused nick ends the login, whichever step it interrupts.
            throw new RegistrationFailedException($"the nick {Options.Nick} cannot be used" + Detail(m));
        }
        var time = TimeOf(m);
        var from = NickOf(m.Source);
        switch (m.Command)
        {
            case "PRIVMSG":
            case "NOTICE":
                await HandleMessageAsync(m, from, time, ct);
                return;
            case "JOIN":
                if (IsMe(from))
                {
                    lock (_gate)
                    {
                        _channels.Add(m.Param(0) ?? "");
                    }
                }
                var account = m.Parameters.Count > 1 && m.Parameters[1] != "*" ? m.Parameters[1] : null;
                await EmitAsync(new JoinEvent(time, from, m.Param(0) ?? "", account), ct);
                return;
            case "PART":
                if (IsMe(from))
                {
                    lock (_gate)
                    {
                        _channels.Remove(m.Param(0) ?? "");
                    }
                }
                await EmitAsync(new PartEvent(time, from, m.Param(0) ?? "", m.Param(1)), ct);
                return;
            case "KICK":
                if (IsMe(m.Param(1) ?? ""))
                {
                    lock (_gate)
                    {
                        _channels.Remove(m.Param(0) ?? "");
                    }
                }
                await EmitAsync(new KickEvent(time, m.Param(1) ?? "", m.Param(0) ?? "", from, m.Param(2)), ct);
                return;
            case "QUIT":
                await EmitAsync(new QuitEvent(time, from, m.Param(0)), ct);
                return;
            case "NICK":
                if (IsMe(from))
                {
                    Nick = m.Param(0) ?? Nick;
                }
                await EmitAsync(new NickEvent(time, from, m.Param(0) ?? ""), ct);
                return;
            case "TOPIC":
                await EmitAsync(new TopicEvent(time, m.Param(0) ?? "", from, m.Param(1) ?? ""), ct);
                return;
            case "BATCH":
                TrackBatch(m);
                return;
            case "CAP":
                TrackCapChange(m);
                return;
            case "CHATHISTORY" when m.Param(0) == "TARGETS" && m.Param(1) is { } target:
                // Conversations with activity while we were away (draft/chathistory TARGETS).
                Remember(target);
                await FetchHistoryAsync(target, ct);
                return;
            case Numerics.RPL_ISUPPORT:
                TrackISupport(m);
                break;
            case Numerics.RPL_LOGGEDIN:
                Account = m.Param(2);
                await EmitAsync(new AccountEvent(time, Account, m.Param(3) ?? ""), ct);
                return;
            case "901": // RPL_LOGGEDOUT
                Account = null;
                await EmitAsync(new AccountEvent(time, null, m.Param(2) ?? ""), ct);
                return;
            case "ACCOUNT" or "AWAY" or "CHGHOST" or "PONG":
                return;
        }
        await EmitAsync(new NumericEvent(time, m.Command, m.Parameters, m), ct);
    }

    private async ValueTask HandleMessageAsync(IrcMessage m, string from, DateTimeOffset time, CancellationToken ct)
    {
        var target = m.Param(0) ?? "";
        var text = m.Param(1) ?? "";
        var notice = m.Command == "NOTICE";
        var isHistory = m.GetTag("batch") is { } batch && _batches.TryGetValue(batch, out var type)
            && type.Contains("chathistory", StringComparison.Ordinal);
        var id = m.GetTag("msgid");
        if (id is not null && !Seen(id))
        {
            return;
        }
        if (!isHistory && m.HasTag("time"))
        {
            _lastSeen = time;
        }
        var isPrivate = !IsChannel(target);
        if (isPrivate && !string.IsNullOrEmpty(m.Source) && m.Source.Contains('!', StringComparison.Ordinal))
        {
            Remember(IsMe(from) ? target : from);
        }
        if (Ctcp.TryParse(text, out var command, out var arguments))
        {
            if (command == "ACTION")
            {
                await EmitAsync(new MessageEvent(time, from, target, arguments, notice, IsAction: true, isPrivate, isHistory, id), ct);
                return;
            }
            if (command == "DCC" && !notice && !isHistory && DccOffer.TryParse(arguments, out var offer))
            {
                await EmitAsync(new DccOfferEvent(time, from, offer), ct);
                return;
            }
            if (command == DirectChats.HandshakeCtcp)
            {
                // Only a live private request counts: a replayed (history) or channel one is no
                // proof of anything, and is never shown either.
                if (!notice && !isHistory && isPrivate)
                {
                    await EmitAsync(new DirectChatTokenEvent(time, from, arguments), ct);
                }
                return;
            }
            if (command is "PING" or "VERSION" or "TIME" && !notice && !isHistory && isPrivate)
            {
                var reply = command switch
                {
                    "PING" => arguments,
                    "VERSION" => "Parley client",
                    _ => time.ToString("r", CultureInfo.InvariantCulture),
                };
                await SendAsync(new IrcMessage("NOTICE", from, Ctcp.Format(command, reply)), ct);
            }
            await EmitAsync(new CtcpEvent(time, from, target, command, arguments, notice), ct);
            return;
        }
        await EmitAsync(new MessageEvent(time, from, target, text, notice, IsAction: false, isPrivate, isHistory, id), ct);
    }

    private bool Seen(string id)
    {
        lock (_gate)
        {
            if (!_seenIds.Add(id))
            {
                return false;
            }
            _seenOrder.Enqueue(id);
            if (_seenOrder.Count > SeenIdsKept)
            {
                _seenIds.Remove(_seenOrder.Dequeue());
            }
            return true;
        }
    }

    private void TrackBatch(IrcMessage m)
    {
        var reference = m.Param(0);
        if (reference is null || reference.Length < 2)
        {
            return;
        }
        lock (_gate)
        {
            if (reference[0] == '+')
            {
                if (_batches.Count < 64)
                {
                    _batches[reference[1..]] = m.Param(1) ?? "";
                }
            }
            else
            {
                _batches.Remove(reference[1..]);
            }
        }
    }

    private void TrackCapChange(IrcMessage m)
    {
        var sub = m.Param(1);
        var list = m.Parameters.Count > 2 ? m.Parameters[^1] : "";
        lock (_gate)
        {
            foreach (var cap in list.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var name = cap.Split('=')[0];
                if (sub == "ACK")
                {
                    _caps.Add(name);
                }
                else if (sub == "DEL")
                {
                    _caps.Remove(name);
                }
            }
        }
    }

    private void TrackISupport(IrcMessage m)
    {
        lock (_gate)
        {
            for (var i = 1; i < m.Parameters.Count - 1; i++)
            {
                var token = m.Parameters[i];
                var eq = token.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? token : token[..eq];
                if (_isupport.Count < 256 || _isupport.ContainsKey(key))
                {
                    _isupport[key] = eq < 0 ? null : token[(eq + 1)..];
                }
                if (key == "CASEMAPPING" && eq > 0 && CaseMapping.TryGet(token[(eq + 1)..], out var mapping))
                {
                    CaseMapping = mapping;
                }
                if (key == "CHANTYPES" && eq > 0)
                {
                    _chanTypes = token[(eq + 1)..];
                }
            }
        }
    }

    /// <summary>Remembers a private conversation so its history is fetched after a reconnect.</summary>
    private void Remember(string target)
    {
        if (string.IsNullOrEmpty(target) || IsChannel(target))
        {
            return;
        }
        lock (_gate)
        {
            if (_conversations.Count < 256)
            {
                _conversations.Add(target);
            }
        }
    }

    private bool IsMe(string nick) => CaseMapping.Equals(nick, Nick);

    private DateTimeOffset TimeOf(IrcMessage m) =>
        m.GetTag("time") is { } t && DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : Now;

    /// <summary>After a reconnect: rejoin, and fetch what was missed when the server keeps history.</summary>
    private async Task AfterReconnectAsync(CancellationToken ct)
    {
        string[] channels, conversations;
        lock (_gate)
        {
            channels = [.. _channels];
            conversations = [.. _conversations];
            _channels.Clear();
        }
        foreach (var channel in channels)
        {
            await SendAsync(new IrcMessage("JOIN", channel), ct);
        }
        if (!HasCap("draft/chathistory") || _lastSeen is not { } since)
        {
            return;
        }
        foreach (var target in channels.Concat(conversations))
        {
            await FetchHistoryAsync(target, ct);
        }
        // Conversations that started while we were away.
        await SendAsync(new IrcMessage("CHATHISTORY", "TARGETS", "timestamp=" + Stamp(since), "timestamp=" + Stamp(Now), "50"), ct);
    }

    private async ValueTask FetchHistoryAsync(string target, CancellationToken ct)
    {
        if (_lastSeen is not { } since)
        {
            return;
        }
        await SendAsync(new IrcMessage("CHATHISTORY", "AFTER", target, "timestamp=" + Stamp(since),
            Options.HistoryLimit.ToString(CultureInfo.InvariantCulture)), ct);
    }

    /// <summary>
    /// Asks for the latest <paramref name="count"/> messages of a conversation; they arrive as
    /// history <see cref="MessageEvent"/>s. False when the server keeps no history.
    /// </summary>
    public async ValueTask<bool> RequestHistoryAsync(string target, int count)
    {
        if (!HasCap("draft/chathistory"))
        {
            return false;
        }
        lock (_gate)
        {
            // Shown again on request, even if seen before.
            _seenIds.Clear();
            _seenOrder.Clear();
        }
        return await SendAsync(new IrcMessage("CHATHISTORY", "LATEST", target, "*", count.ToString(CultureInfo.InvariantCulture)));
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
