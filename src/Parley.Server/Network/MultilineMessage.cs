using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Network;

/// <summary>
/// A draft/multiline message on its way, in its two forms: a <c>draft/multiline</c> batch for
/// recipients that negotiated it, and the component lines one by one for the others.
/// https://ircv3.net/specs/extensions/multiline
/// </summary>
/// <remarks>
/// Immutable; each form is built once and its lines are shared by every recipient, each line
/// encoded once per capability variant (ARCHITECTURE.md rule 6). Every recipient of the batch
/// form sees the same batch reference, made unique on this server by the caller.
///
/// The batch form: <c>BATCH +id draft/multiline target</c> carrying the message's msgid, time,
/// account, bot and client-only tags; the lines with <c>batch=id</c> (and
/// <c>draft/multiline-concat</c>) only; <c>BATCH -id</c>. It goes to clients with
/// draft/multiline, batch and message-tags: the lines' tags travel as message tags
/// (<see cref="OutboundMessage.ExtraTags"/>), so a client without message-tags gets the
/// fallback.
///
/// The fallback: each non-blank line as its own PRIVMSG/NOTICE, concat lines not joined (the
/// spec asks servers to keep the client's line composition, as Ergo does); time, account, bot
/// and client-only tags on every line, the msgid on the first only.
/// </remarks>
public sealed class MultilineMessage
{
    public const string BatchType = "draft/multiline";
    public const string ConcatTag = "draft/multiline-concat";

    /// <summary>What a client needs to get the batch form.</summary>
    public const Capability BatchCaps = Capability.Multiline | Capability.Batch | Capability.MessageTags;

    private static readonly IrcTag Concat = new(ConcatTag, null);
    private static readonly IrcTag[] ConcatOnly = [Concat];

    private readonly string _batchId;
    private readonly OutboundMessage[] _batch;
    private readonly OutboundMessage[] _echoLines;
    private readonly OutboundMessage[] _fallback;

    /// <param name="source">The sender's nick!user@host.</param>
    /// <param name="command">PRIVMSG or NOTICE.</param>
    /// <param name="target">The target as the client named it (a nick, a channel, @#channel).</param>
    /// <param name="lines">The lines as received, blank ones included.</param>
    /// <param name="batchId">The batch reference recipients see; unique on this server.</param>
    /// <param name="time">The message's server-time.</param>
    /// <param name="msgId">The message's msgid.</param>
    /// <param name="account">The sender's account, or null.</param>
    /// <param name="bot">Whether the sender is a bot (+B).</param>
    /// <param name="clientTags">The client-only tags of the client's opening BATCH line.</param>
    public MultilineMessage(
        string source,
        string command,
        string target,
        IReadOnlyList<(string Text, bool Concat)> lines,
        string batchId,
        string time,
        string msgId,
        string? account,
        bool bot,
        IReadOnlyList<IrcTag>? clientTags)
    {
        Command = command;
        _batchId = batchId;
        var batchTag = new IrcTag("batch", batchId);
        IrcTag[] plainTags = [batchTag];
        IrcTag[] concatTags = [batchTag, Concat];

        _batch = new OutboundMessage[lines.Count + 2];
        _echoLines = new OutboundMessage[lines.Count];
        var fallback = new List<OutboundMessage>(lines.Count);
        _batch[0] = new OutboundMessage(source, "BATCH", "+" + batchId, BatchType, target)
        {
            Time = time,
            MsgId = msgId,
            Account = account,
            Bot = bot,
            ClientTags = clientTags,
        };
        for (var i = 0; i < lines.Count; i++)
        {
            var (text, concat) = lines[i];
            _batch[i + 1] = new OutboundMessage(source, command, target, text) { ExtraTags = concat ? concatTags : plainTags };
            // The echo goes through the sender's reply buffer, which adds the batch tag itself.
            _echoLines[i] = concat
                ? new OutboundMessage(source, command, target, text) { ExtraTags = ConcatOnly }
                : new OutboundMessage(source, command, target, text);
            // "Servers MUST NOT send blank lines to clients that have not negotiated the multiline capability."
            if (text.Length > 0)
            {
                fallback.Add(new OutboundMessage(source, command, target, text)
                {
                    Time = time,
                    MsgId = fallback.Count == 0 ? msgId : null,
                    Account = account,
                    Bot = bot,
                    ClientTags = clientTags,
                });
            }
        }
        _batch[^1] = new OutboundMessage(source, "BATCH", "-" + batchId);
        _fallback = [.. fallback];
    }

    /// <summary>PRIVMSG or NOTICE.</summary>
    public string Command { get; }

    /// <summary>The lines a client with <paramref name="caps"/> receives, in order.</summary>
    public IReadOnlyList<OutboundMessage> LinesFor(Capability caps)
        => (caps & BatchCaps) == BatchCaps ? _batch : _fallback;

    /// <summary>Queues the message for one recipient (under Network's lock).</summary>
    public void DeliverTo(IClientSink sink)
    {
        foreach (var line in LinesFor(sink.Caps))
        {
            sink.Deliver(line);
        }
    }

    /// <summary>
    /// Adds the echo to the sender's replies. In the batch form the reply buffer tags the lines,
    /// and a label goes on the opening BATCH line (the spec's rule for labeled echoes).
    /// </summary>
    public void EchoTo(ReplyBuffer replies, Capability caps)
    {
        if ((caps & BatchCaps) != BatchCaps)
        {
            foreach (var line in _fallback)
            {
                replies.Add(line);
            }
            return;
        }
        replies.Add(_batch[0]);
        foreach (var line in _echoLines)
        {
            replies.Add(line, _batchId);
        }
        replies.Add(_batch[^1]);
    }
}
