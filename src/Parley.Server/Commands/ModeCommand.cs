using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>MODE for channels and for users; registered by <see cref="ChannelOpsCommands"/>.</summary>
internal static class ModeCommand
{
    // MODE <target> [<modestring> [<mode arguments>...]]   https://modern.ircdocs.horse/#mode-message
    public static async ValueTask HandleAsync(Session s, IrcMessage m)
    {
        if (ChannelNames.IsChannel(m.Parameters[0]))
        {
            await ChannelMode(s, m);
        }
        else
        {
            UserMode(s, m);
        }
    }

    // MODE <channel> [<modestring> [<mode arguments>...]]   https://modern.ircdocs.horse/#channel-modes
    private static async ValueTask ChannelMode(Session s, IrcMessage m)
    {
        var request = ChannelModes.Parse(m.Parameters, 1);
        var result = await s.Network.ChangeChannelModesAsync(s.User, m.Parameters[0], request, [.. m.Parameters.Skip(1)], s.Server.Options.Limits.MaxListEntries, s.Replies);
        if (result.Error == ChannelOpError.NoSuchChannel)
        {
            s.Numeric(Numerics.ERR_NOSUCHCHANNEL, m.Parameters[0], "No such channel");
            return;
        }
        if (result.Error == ChannelOpError.Unavailable)
        {
            ChannelUnavailable.Fail(s, "MODE", m.Parameters[0]);
            return;
        }
        var channel = result.ChannelName;
        foreach (var c in request.Unknown)
        {
            s.Numeric(Numerics.ERR_UNKNOWNMODE, c.ToString(), "is unknown mode char to me");
        }
        foreach (var error in result.Outcome!.Errors)
        {
            SendError(s, channel, error);
        }
        foreach (var (mode, entries) in result.Lists ?? [])
        {
            SendList(s, channel, mode, entries);
        }
        if (result.ModeIs is { } modeIs)
        {
            s.Numeric(Numerics.RPL_CHANNELMODEIS, [channel, .. modeIs]);
            s.Numeric(Numerics.RPL_CREATIONTIME, channel, result.CreatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The one place MODE's refusals become numerics.</summary>
    private static void SendError(Session s, string channel, ModeError error)
    {
        switch (error.Kind)
        {
            case ModeErrorKind.ChanOpPrivsNeeded:
                s.Numeric(Numerics.ERR_CHANOPRIVSNEEDED, channel, "You're not channel operator");
                break;
            case ModeErrorKind.NoSuchNick:
                s.Numeric(Numerics.ERR_NOSUCHNICK, error.Arg!, "No such nick/channel");
                break;
            case ModeErrorKind.UserNotInChannel:
                s.Numeric(Numerics.ERR_USERNOTINCHANNEL, error.Arg!, channel, "They aren't on that channel");
                break;
            case ModeErrorKind.InvalidParam:
                s.Numeric(Numerics.ERR_INVALIDMODEPARAM, channel, error.Mode.ToString(), SafeParam(error.Arg), InvalidParamText(error.Mode));
                break;
            case ModeErrorKind.ListFull:
                s.Numeric(Numerics.ERR_BANLISTFULL, channel, error.Mode.ToString(), "Channel list is full");
                break;
        }
    }

    private static string InvalidParamText(char mode) => mode switch
    {
        'k' => "Invalid key: it must be non-empty, without spaces or commas, and not start with ':'",
        'l' => "Invalid limit: it must be an integer between 1 and 2147483647",
        _ => "Invalid mask",
    };

    /// <summary>
    /// A refused parameter as a middle parameter: "*" when it is empty, starts with ':' or holds
    /// a space (as Ergo's SafeErrorParam; irctest expects "*" for such keys).
    /// </summary>
    private static string SafeParam(string? p)
        => string.IsNullOrEmpty(p) || p[0] == ':' || p.Contains(' ') ? "*" : p;

    /// <summary>367/368, 348/349 or 346/347. https://modern.ircdocs.horse/#rplbanlist-367</summary>
    private static void SendList(Session s, string channel, char mode, IReadOnlyList<ListEntry> entries)
    {
        var (item, end, text) = mode switch
        {
            'b' => (Numerics.RPL_BANLIST, Numerics.RPL_ENDOFBANLIST, "End of channel ban list"),
            'e' => (Numerics.RPL_EXCEPTLIST, Numerics.RPL_ENDOFEXCEPTLIST, "End of channel exception list"),
            _ => (Numerics.RPL_INVEXLIST, Numerics.RPL_ENDOFINVEXLIST, "End of channel invite exception list"),
        };
        foreach (var entry in entries)
        {
            s.Numeric(item, channel, entry.Mask, entry.SetBy, entry.SetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        }
        s.Numeric(end, channel, text);
    }

    // MODE <nickname> [<modestring>]   https://modern.ircdocs.horse/#user-mode
    private static void UserMode(Session s, IrcMessage m)
    {
        var nick = m.Parameters[0];
        var target = s.Network.FindUser(nick);
        if (target is null)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, nick, "No such nick/channel");
            return;
        }
        if (target != s.User)
        {
            s.Numeric(Numerics.ERR_USERSDONTMATCH, m.Parameters.Count > 1 ? "Can't change mode for other users" : "Can't view modes for other users");
            return;
        }
        if (m.Parameters.Count < 2 || m.Parameters[1].Length == 0)
        {
            s.Numeric(Numerics.RPL_UMODEIS, UserModeChars.ToModeString(s.User.Modes));
            return;
        }
        var changes = UserModeChanges.Parse(m.Parameters[1], out var unknown);
        if (unknown)
        {
            s.Numeric(Numerics.ERR_UMODEUNKNOWNFLAG, "Unknown MODE flag");
        }
        var applied = s.Network.ChangeUserModes(s.User, changes);
        if (applied.Length > 0)
        {
            s.Reply(new OutboundMessage(s.User.Prefix, "MODE", s.Nick, applied) { Time = s.Network.NowTag() });
        }
        else if (!unknown)
        {
            // Nothing changed: say what the modes are, as Ergo.
            s.Numeric(Numerics.RPL_UMODEIS, UserModeChars.ToModeString(s.User.Modes));
        }
    }
}
