using Parley.Protocol;

namespace Parley.Server.Storage;

/// <summary>
/// One stored message or channel event, as a client saw it: what draft/chathistory replays.
/// Message-shaped (no SQL in it) so every history backend stores the same thing.
/// </summary>
/// <param name="Target">
/// Whose history it is in: a channel's folded name, or a conversation key from
/// <see cref="HistoryTargets.Direct"/> (one per participant of a private message).
/// </param>
/// <param name="Correspondent">For a private conversation, the other side's nick as it was then (CHATHISTORY TARGETS); null for channels.</param>
/// <param name="Time">The server-time of the message, milliseconds.</param>
/// <param name="MsgId">The msgid the recipients saw.</param>
/// <param name="Command">PRIVMSG, NOTICE, TAGMSG, or an event (JOIN, PART, KICK, QUIT, NICK, TOPIC, MODE).</param>
/// <param name="Source">nick!user@host of the sender.</param>
/// <param name="Account">The sender's account, or null.</param>
/// <param name="Parameters">The parameters as sent.</param>
/// <param name="ClientTags">The client-only tags relayed with the message, or null.</param>
/// <param name="Bot">Whether the sender was a bot (+B).</param>
public sealed record HistoryRecord(
    string Target,
    string? Correspondent,
    DateTimeOffset Time,
    string MsgId,
    string Command,
    string Source,
    string? Account,
    IReadOnlyList<string> Parameters,
    IReadOnlyList<IrcTag>? ClientTags = null,
    bool Bot = false)
{
    /// <summary>The store's sequence number (order of arrival); 0 before it is stored.</summary>
    public long Seq { get; init; }

    /// <summary>
    /// For a private message to a registered account that was offline: that account's folded
    /// name, so it is handed over at the next login (issue 4, offline delivery).
    /// </summary>
    public string? PendingFor { get; init; }

    /// <summary>PRIVMSG and NOTICE are messages; everything else is replayed only with draft/event-playback.</summary>
    public bool IsMessage => Command is "PRIVMSG" or "NOTICE";
}
