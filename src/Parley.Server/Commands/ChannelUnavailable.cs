using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// The answer to a channel command that could not go through the cluster (issue 9: a timeout, a
/// node's death, the database stalled; <see cref="Network.JoinError.Unavailable"/> and its
/// siblings): JOIN gets 437 ERR_UNAVAILRESOURCE, which RFC 2812 gives a channel that cannot be
/// joined for now (irssi joins again on its own); every other command a standard reply,
/// <c>FAIL &lt;command&gt; TEMPORARILY_UNAVAILABLE &lt;context&gt; :…</c> (the code the
/// account-registration spec uses for "try again later"). The command had no effect.
/// NOTICE gets nothing: no server reply ever answers a NOTICE (modern.ircdocs.horse).
/// </summary>
internal static class ChannelUnavailable
{
    public const string Code = "TEMPORARILY_UNAVAILABLE";

    private const string Text = "Channel is temporarily unavailable";

    // 437 <nick> <channel> :Channel is temporarily unavailable   https://www.rfc-editor.org/rfc/rfc2812#section-5.2
    public static void Join(Session s, string channel) => s.Numeric(Numerics.ERR_UNAVAILRESOURCE, channel, Text);

    /// <summary><c>FAIL <paramref name="command"/> TEMPORARILY_UNAVAILABLE <paramref name="context"/>… :Channel is temporarily unavailable, try again</c>.</summary>
    public static void Fail(Session s, string command, params string[] context)
        => s.Fail(command, Code, [.. context, Text + ", try again"]);
}
