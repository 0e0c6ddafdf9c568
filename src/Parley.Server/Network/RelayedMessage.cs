using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// What PRIVMSG, NOTICE and TAGMSG relay: one line, or a draft/multiline message (a batch or
/// its fallback lines, chosen per recipient). Converts implicitly from either.
/// </summary>
public readonly struct RelayedMessage
{
    private readonly OutboundMessage? _line;
    private readonly MultilineMessage? _multiline;

    public RelayedMessage(OutboundMessage line) => _line = line;

    public RelayedMessage(MultilineMessage multiline) => _multiline = multiline;

    /// <summary>The line, or null for a draft/multiline message.</summary>
    internal OutboundMessage? Line => _line;

    /// <summary>PRIVMSG, NOTICE or TAGMSG.</summary>
    public string Command => _line?.Command ?? _multiline!.Command;

    public static implicit operator RelayedMessage(OutboundMessage line) => new(line);

    /// <summary>What history keeps: the line, or a multiline message's lines as clients without draft/multiline get them.</summary>
    internal IReadOnlyList<OutboundMessage> HistoryLines => _multiline is null ? [_line!] : _multiline.LinesFor(Capability.None);

    public static implicit operator RelayedMessage(MultilineMessage multiline) => new(multiline);

    /// <summary>Queues the message for one recipient.</summary>
    internal void DeliverTo(IClientSink sink)
    {
        if (_multiline is null)
        {
            sink.Deliver(_line!);
        }
        else
        {
            _multiline.DeliverTo(sink);
        }
    }

    /// <summary>
    /// Queues the message for each of a user's connections that has <paramref name="required"/>,
    /// but <paramref name="except"/> (the sender's own, which gets the echo through its replies).
    /// </summary>
    internal void DeliverTo(ClientSessions sessions, Capability required, IClientSink? except = null)
    {
        foreach (var (key, target) in sessions.Entries)
        {
            // Caps is an interface call (and a volatile read) per member: skipped when nothing is required.
            if (key != except && (required == Capability.None || (target.Caps & required) == required))
            {
                DeliverTo(target);
            }
        }
    }

    /// <summary>Adds the sender's echo (echo-message) to its replies.</summary>
    internal void EchoTo(ReplyBuffer replies, Capability senderCaps)
    {
        if (_multiline is null)
        {
            replies.Add(_line!);
        }
        else
        {
            _multiline.EchoTo(replies, senderCaps);
        }
    }
}
