using System.Net;
using Parley.Client.Dcc;
using Parley.Protocol;

namespace Parley.Client;

// The typed events IrcClient reports, in the order things happened. Every event carries
// the time it happened: the server's (server-time) when given, else the client's clock.

/// <summary>Something the client saw or did.</summary>
public abstract record ClientEvent(DateTimeOffset Time);

/// <summary>Registered (and logged in, when <see cref="Account"/> is set).</summary>
public sealed record ConnectedEvent(DateTimeOffset Time, EndPoint? Remote, string Nick, string? Account, IReadOnlyCollection<string> Caps) : ClientEvent(Time);

/// <summary>A connection attempt failed; <see cref="Attempts"/> lists each address tried.</summary>
public sealed record ConnectFailedEvent(DateTimeOffset Time, string Error, IReadOnlyList<ConnectAttempt> Attempts) : ClientEvent(Time);

/// <summary>The connection ended; <see cref="WillReconnect"/> when a retry follows.</summary>
public sealed record DisconnectedEvent(DateTimeOffset Time, string Reason, bool WillReconnect) : ClientEvent(Time);

/// <summary>Waiting <see cref="Delay"/> before reconnect attempt <see cref="Attempt"/>.</summary>
public sealed record ReconnectingEvent(DateTimeOffset Time, int Attempt, TimeSpan Delay) : ClientEvent(Time);

/// <summary>A PRIVMSG or NOTICE (an ACTION is a message with <see cref="IsAction"/>).</summary>
public sealed record MessageEvent(DateTimeOffset Time, string From, string Target, string Text, bool IsNotice, bool IsAction,
    bool IsPrivate, bool IsHistory, string? MessageId) : ClientEvent(Time);

/// <summary>A CTCP request or reply other than ACTION and DCC CHAT.</summary>
public sealed record CtcpEvent(DateTimeOffset Time, string From, string Target, string Command, string Arguments, bool IsReply) : ClientEvent(Time);

/// <summary>A DCC CHAT offer to us, or the answer to our passive offer; never acted on by itself.</summary>
public sealed record DccOfferEvent(DateTimeOffset Time, string From, DccOffer Offer) : ClientEvent(Time);

/// <summary>
/// A direct-chat token (CTCP <c>PARLEY-DCC &lt;key&gt; &lt;proof&gt;</c>) a peer sent us through the
/// server before connecting to our standing listener: hand it to <see cref="DirectChats.OnToken"/>.
/// </summary>
public sealed record DirectChatTokenEvent(DateTimeOffset Time, string From, string Arguments) : ClientEvent(Time);

public sealed record JoinEvent(DateTimeOffset Time, string Nick, string Channel, string? Account) : ClientEvent(Time);

public sealed record PartEvent(DateTimeOffset Time, string Nick, string Channel, string? Reason) : ClientEvent(Time);

public sealed record KickEvent(DateTimeOffset Time, string Nick, string Channel, string By, string? Reason) : ClientEvent(Time);

public sealed record QuitEvent(DateTimeOffset Time, string Nick, string? Reason) : ClientEvent(Time);

public sealed record NickEvent(DateTimeOffset Time, string OldNick, string NewNick) : ClientEvent(Time);

public sealed record TopicEvent(DateTimeOffset Time, string Channel, string? SetBy, string Topic) : ClientEvent(Time);

/// <summary>Logged in (900) or out (901) after registration, e.g. through NickServ.</summary>
public sealed record AccountEvent(DateTimeOffset Time, string? Account, string Text) : ClientEvent(Time);

/// <summary>A numeric reply no query took, or an ERROR / FAIL line.</summary>
public sealed record NumericEvent(DateTimeOffset Time, string Code, IReadOnlyList<string> Parameters, IrcMessage Message) : ClientEvent(Time)
{
    /// <summary>The human-readable part: the last parameter.</summary>
    public string Text => Parameters.Count > 0 ? Parameters[^1] : "";
}
