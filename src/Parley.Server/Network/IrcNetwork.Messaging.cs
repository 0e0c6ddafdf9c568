using System.Runtime.InteropServices;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

public enum SendStatus
{
    Ok,
    NoSuchNick,
    NoSuchChannel,
    CannotSend,

    /// <summary>Cluster only: see <see cref="JoinError.Unavailable"/>; nobody received the message.</summary>
    Unavailable,
}

/// <param name="Delivered">Recipients the message was queued for (the metric parley.messages.delivered).</param>
public readonly record struct SendResult(SendStatus Status, string Target, string? AwayMessage = null, ChannelRules.SendError Reason = ChannelRules.SendError.None, int Delivered = 0);

// PRIVMSG, NOTICE and TAGMSG delivery. https://modern.ircdocs.horse/#privmsg-message
public sealed partial class IrcNetwork
{
    /// <summary>
    /// Sends one line or a multiline message to one user. The sender gets the echo
    /// (echo-message) through <paramref name="replies"/>; recipients without
    /// <paramref name="requiredCap"/> (message-tags for TAGMSG) get nothing.
    /// </summary>
    public SendResult SendToUser(IrcUser from, string nick, RelayedMessage message, ReplyBuffer replies, bool echo, Capability requiredCap = Capability.None)
    {
        lock (_gate)
        {
            if (!_nicks.TryGetValue(nick, out var target) || !target.IsRegistered)
            {
                return new SendResult(SendStatus.NoSuchNick, nick);
            }
            StoreDirectLocked(from, target, target.Nick, null, message);
            // To oneself too: the copy as recipient arrives like anyone's (after the command's
            // replies), and with echo-message the echo is the command's response, so a labeled
            // message to oneself comes back twice with the label on one (as Ergo).
            message.DeliverTo(target.Sink, requiredCap);
            EchoLocked(from, message, replies, echo, requiredCap, toSelf: target == from);
            return new SendResult(SendStatus.Ok, target.Nick, target == from ? null : target.AwayMessage, Delivered: 1);
        }
    }

    /// <summary>
    /// Sends one line or a multiline message to a channel's members (those with at least
    /// <paramref name="minStatus"/> for STATUSMSG), after the channel's rules allow it: checked
    /// once, so a multiline message is delivered whole or not at all.
    /// </summary>
    public SendResult SendToChannel(IrcUser from, string name, MemberStatus minStatus, RelayedMessage message, ReplyBuffer replies, bool echo, Capability requiredCap = Capability.None)
    {
        lock (_gate)
        {
            if (!_channels.TryGetValue(name, out var channel))
            {
                return new SendResult(SendStatus.NoSuchChannel, name);
            }
            var error = ChannelRules.CheckSend(channel, from, CaseMapping);
            if (error != ChannelRules.SendError.None)
            {
                return new SendResult(SendStatus.CannotSend, channel.Name, Reason: error);
            }
            if (minStatus == MemberStatus.None)
            {
                // STATUSMSG (@#channel) reaches only some members: not history (as Ergo).
                StoreChannelLocked(channel, message);
            }
            var delivered = 0;
            // A one-line message goes to the pipeline as one item for all the members' connections
            // (DeliverAll), in the order the loop meets them, as the per-member deliveries did.
            var line = message.Line;
            List<DeliveryPipeline.Recipient>? sinks = null;
            if (line is not null)
            {
                sinks = t_fanout ?? [];
                t_fanout = null;
            }
            foreach (var (member, status) in channel.Members)
            {
                if (member == from)
                {
                    continue;
                }
                if (minStatus != MemberStatus.None && status < minStatus && !status.HasFlag(minStatus) && (int)status < (int)minStatus)
                {
                    continue;
                }
                if (sinks is null)
                {
                    message.DeliverTo(member.Sink, requiredCap);
                }
                else
                {
                    CollectSequenced(member.Sink, line!, requiredCap, sinks);
                }
                delivered++;
            }
            if (sinks is not null)
            {
                Deliveries.DeliverAll(CollectionsMarshal.AsSpan(sinks), line!);
                sinks.Clear();
                if (sinks.Capacity <= 4096)
                {
                    t_fanout = sinks;
                }
            }
            EchoLocked(from, message, replies, echo, requiredCap, toSelf: false);
            return new SendResult(SendStatus.Ok, channel.Name, Delivered: delivered);
        }
    }

    /// <summary>
    /// A private message to <paramref name="account"/>, a registered account with nobody online
    /// (offline delivery, issue 4): stored in both histories and kept for the account's next
    /// login; the sender gets the echo. False when the nick is online after all (the caller
    /// retries as an ordinary message).
    /// </summary>
    public bool SendToOfflineAccount(IrcUser from, string nick, string account, RelayedMessage message, ReplyBuffer replies, bool echo)
    {
        lock (_gate)
        {
            if (_nicks.TryGetValue(nick, out var online) && online.IsRegistered)
            {
                return false;
            }
            StoreDirectLocked(from, null, nick, account, message);
            EchoLocked(from, message, replies, echo, Capability.None, toSelf: false);
            return true;
        }
    }

    // SendToChannel's list of sinks, reused; taken out while in use, so a nested call makes its own.
    [ThreadStatic]
    private static List<DeliveryPipeline.Recipient>? t_fanout;

    /// <summary>
    /// Under the lock: adds to <paramref name="sinks"/> each of a member's connections that has
    /// <paramref name="required"/> and delivers through this Network's pipeline; delivers to any
    /// other at once, as <see cref="RelayedMessage.DeliverTo(ClientSessions, Capability, IClientSink?)"/> does.
    /// </summary>
    private void CollectSequenced(ClientSessions sessions, OutboundMessage line, Capability required, List<DeliveryPipeline.Recipient> sinks)
    {
        foreach (var (_, target) in sessions.Entries)
        {
            if (required != Capability.None && (target.Caps & required) != required)
            {
                continue;
            }
            if (target is SequencedSink sequenced && sequenced.Pipeline == Deliveries)
            {
                sinks.Add(new DeliveryPipeline.Recipient(sequenced.Inner));
            }
            else
            {
                target.Deliver(line);
            }
        }
    }

    /// <summary>
    /// The sender's copies: the echo through <paramref name="replies"/> with echo-message, and
    /// (multiclient) one to each of the sender's other connections, which see what it sent as
    /// Ergo shows them, echo-message or not. A message to oneself reached them all already.
    /// </summary>
    private static void EchoLocked(IrcUser from, RelayedMessage message, ReplyBuffer replies, bool echo, Capability requiredCap, bool toSelf)
    {
        if (echo)
        {
            message.EchoTo(replies, ActorCaps(from, replies));
        }
        if (!toSelf && replies.Owner is { } owner && EchoesToOthers(from.Sink, owner))
        {
            message.DeliverTo(from.Sink, requiredCap, except: owner);
        }
    }
}
