using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Network;

// The Network seam (issue 9): what a clustered node's IrcNetwork does with the rest of the
// network through INetworkLink. On a single node Link is null and none of this runs.
public sealed partial class IrcNetwork
{
    /// <summary>The rest of the network when this node is one of a cluster; null on a single node.</summary>
    public INetworkLink? Link { get; private set; }

    /// <summary>Connects this node to the rest of the network, before any client connects.</summary>
    public void AttachLink(INetworkLink link)
    {
        if (Link is not null)
        {
            throw new InvalidOperationException("a link is attached already");
        }
        Link = link;
        link.Attach(this);
    }

    /// <summary>WHOIS of a local user for a viewer on another node (see <see cref="INetworkLink.WhoisAsync"/>); null if no registered local user holds the nick.</summary>
    public WhoisInfo? WhoisForRemote(string nick, bool viewerIsOperator)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var target) || !target.IsRegistered)
            {
                return null;
            }
            var channels = new List<(string, MemberStatus)>();
            foreach (var channel in target.Channels)
            {
                if ((channel.Has(ChannelModeFlags.Secret) || target.IsInvisible) && !viewerIsOperator)
                {
                    continue;
                }
                channels.Add((channel.Name, channel.Members[target]));
            }
            return new WhoisInfo(target.Nick, target.Username, target.Host, target.RealHost, target.RealIp, target.Realname,
                target.Account, target.AwayMessage, target.IsOperator, target.IsBot, channels, IdleSecondsLocked(target), target.SignOnAt,
                Secure: target.IsSecure, CertFingerprint: target.CertFingerprint);
        }
    }

    /// <summary>Whether the local user <paramref name="userId"/> holds <paramref name="nick"/> now (asked by the nick's grain).</summary>
    public bool HoldsNick(string nick, long userId)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var holder) && holder.Id == userId;
        }
    }

    private int _maxGlobalUsers;

    /// <summary>Notes a network-wide user count (LUSERS in a cluster); returns the highest seen on this node, this one included.</summary>
    public int NoteGlobalUsers(int count)
    {
        lock (_gate)
        {
            _maxGlobalUsers = Math.Max(Math.Max(_maxGlobalUsers, count), _maxUsers);
            return _maxGlobalUsers;
        }
    }

    /// <summary>Whether the local user holding <paramref name="nick"/> has sessions of its account on other nodes.</summary>
    public bool HasSessionsElsewhere(string nick)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var user) && user.SessionsElsewhere;
        }
    }

    /// <summary>The id of the registered local user holding <paramref name="nick"/> if it is logged in to <paramref name="account"/>, else null.</summary>
    public long? FindAccountUser(string nick, string account)
    {
        lock (_gate)
        {
            return _nicks.TryGetValue(nick, out var user) && user.IsRegistered && user.RemoteNode is null
                && user.Account is { } a && CaseMapping.Equals(a, account) ? user.Id : null;
        }
    }

    /// <summary>
    /// Multiclient across nodes: the account's user on another node changed nick, and the link
    /// has claimed <paramref name="newNick"/> for the local user <paramref name="userId"/> (still
    /// holding <paramref name="oldNick"/>) too: it follows. Its connections see the NICK, as
    /// do the local users sharing a channel with it (and, through the channels' grains, the
    /// other nodes'); the old nick is released.
    /// </summary>
    public NickResult RenameFromElsewhere(long userId, string oldNick, string newNick)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(oldNick, out var user) || user.Id != userId)
            {
                return NickResult.InUse;
            }
            // No acting connection: every connection of the user gets the NICK (as a guest rename).
            var echo = new ReplyBuffer();
            var result = ChangeNick(user, newNick, echo);
            foreach (var (message, _) in echo.Items)
            {
                user.Sink.Deliver(message);
            }
            return result;
        }
    }

    /// <summary>The link says whether the local user <paramref name="userId"/> holding <paramref name="nick"/> has its account's sessions on other nodes.</summary>
    public void SetSessionsElsewhere(string nick, long userId, bool elsewhere)
    {
        lock (_gate)
        {
            if (_nicks.TryGetValue(nick, out var user) && user.Id == userId)
            {
                user.SessionsElsewhere = elsewhere;
            }
        }
    }

    /// <summary>
    /// Lines for the connections of the local user holding <paramref name="nick"/>, from its
    /// account's user on another node (a message it received or sent there): delivered, not
    /// stored (that node stored them). False if no local user holds the nick.
    /// </summary>
    public bool DeliverToLocalSessions(string nick, IReadOnlyList<OutboundMessage> lines)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var target) || !target.IsRegistered)
            {
                return false;
            }
            foreach (var line in lines)
            {
                if (line.Command != "TAGMSG" || target.Sink.Caps.HasFlag(Capability.MessageTags))
                {
                    target.Sink.Deliver(line);
                }
            }
            return true;
        }
    }

    /// <summary>
    /// A private message from a user on another node to <paramref name="nick"/> here: the
    /// recipient's copy is stored, then delivered (through the pipeline, so it is stored before
    /// it is received). Returns who got it, or null if no registered local user holds the nick.
    /// TAGMSG reaches only recipients with message-tags.
    /// </summary>
    public RemoteRecipient? DeliverFromRemote(string nick, IReadOnlyList<OutboundMessage> lines, string fromNick)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var target) || !target.IsRegistered)
            {
                return null;
            }
            if (Deliveries.Enabled)
            {
                var recipientTarget = HistoryTargets.Direct(HistoryOwner(target), CaseMapping.Fold(fromNick));
                for (var i = 0; i < lines.Count; i++)
                {
                    Deliveries.Store(ToRecord(recipientTarget, fromNick, lines[i], LineMsgId(lines, i)));
                }
            }
            foreach (var line in lines)
            {
                if (line.Command != "TAGMSG" || target.Sink.Caps.HasFlag(Capability.MessageTags))
                {
                    target.Sink.Deliver(line);
                }
            }
            return new RemoteRecipient(target.Nick, target.AwayMessage);
        }
    }

    /// <summary>
    /// The sender's side of a private message another node delivered: the sender's copy is
    /// stored and, with echo-message, echoed through <paramref name="echo"/>.
    /// </summary>
    public void RecordSentToRemote(IrcUser from, string toNick, OutboundMessage message, ReplyBuffer? echo)
    {
        lock (_gate)
        {
            if (Deliveries.Enabled && message.MsgId is not null)
            {
                Deliveries.Store(ToRecord(HistoryTargets.Direct(HistoryOwner(from), CaseMapping.Fold(toNick)), toNick, message, message.MsgId));
            }
            echo?.Add(message);
        }
    }
}
