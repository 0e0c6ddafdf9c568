using System.Net;

namespace Parley.Client.Dcc;

/// <summary>Something that happened on a direct (DCC CHAT) session.</summary>
public abstract record DirectChatEvent(DateTimeOffset Time, string Peer);

/// <summary>A direct session is open: <see cref="Remote"/> is the peer's address.</summary>
public sealed record DirectOpenedEvent(DateTimeOffset Time, string Peer, IPEndPoint Remote) : DirectChatEvent(Time, Peer);

/// <summary>A line from the peer (an ACTION when <see cref="IsAction"/>).</summary>
public sealed record DirectMessageEvent(DateTimeOffset Time, string Peer, string Text, bool IsAction) : DirectChatEvent(Time, Peer);

/// <summary>The session ended (closed by either side, or failed to open).</summary>
public sealed record DirectClosedEvent(DateTimeOffset Time, string Peer, string Reason) : DirectChatEvent(Time, Peer);

/// <summary>
/// The standing listener turned a connection away: no valid handshake (<see cref="DirectChatEvent.Peer"/>
/// is the nick it claimed, empty when none). Reported at most once a second, so a flood of
/// bad connections is not a flood of events.
/// </summary>
public sealed record DirectRefusedEvent(DateTimeOffset Time, string Peer, IPEndPoint Remote, string Reason) : DirectChatEvent(Time, Peer);
