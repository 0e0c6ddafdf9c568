using Microsoft.Extensions.Logging;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// Multiclient (issue 4 part 7, as Ergo's): a connection that logs in to an account before
/// registration (SASL, <c>PASS account:password</c>) and asks for the nick a connection of that
/// account holds becomes one more connection of that user. It gets the welcome, then the user's
/// channels as if it had just joined them (JOIN, topic, read marker, NAMES); from then on
/// everything sent to the user reaches every connection, what one connection does the others
/// see, and the user quits only when its last connection leaves.
/// Off with <c>Accounts:Multiclient:Enabled = false</c>: the nick is in use (433), as before.
/// https://github.com/ergochat/ergo/blob/master/docs/MANUAL.md#multiclient-bouncer
/// </summary>
internal static partial class Multiclient
{
    /// <summary>
    /// NICK before registration asked for a nick a logged-in user holds: whether to wait for
    /// the end of registration (when this connection may have logged in to that account) rather
    /// than refuse it now.
    /// </summary>
    public static bool MayAttachLater(Session s, string nick)
        => s.Server.Options.Accounts.Multiclient.Enabled && s.Network.IsHeldByAccountUser(nick);

    /// <summary>Attaches the registering connection to the user holding <paramref name="nick"/>, if it is logged in to that user's account.</summary>
    public static bool TryAttach(Session s, string nick)
    {
        if (!s.Server.Options.Accounts.Multiclient.Enabled || s.Network.Attach(s.User, nick) is not { } attached)
        {
            return false;
        }
        var ownUser = s.User.Id;
        s.AttachTo(attached.Target);
        s.AttachReplay = attached.Channels;
        LogAttached(s.Server.LoggerFactory.CreateLogger("Parley.Server.Accounts"), ownUser, attached.Target.Nick, attached.Target.Account ?? "");
        return true;
    }

    /// <summary>After the welcome: the user's channels, each as a JOIN would show it.</summary>
    public static async ValueTask ReplayAsync(Session s, List<AttachedChannel> channels)
    {
        foreach (var channel in channels)
        {
            s.Reply(s.Has(Capability.ExtendedJoin) ? channel.ExtendedJoin : channel.Join);
            ChannelCommands.SendTopic(s, channel.View, quietIfNone: true);
            await ReadMarkerCommand.SendOnJoinAsync(s, channel.View.Name);
            ChannelCommands.SendNames(s, channel.View);
        }
    }

    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "Connection {Id} attached to {Nick} (account {Account}): multiclient")]
    private static partial void LogAttached(ILogger logger, long id, string nick, string account);
}
