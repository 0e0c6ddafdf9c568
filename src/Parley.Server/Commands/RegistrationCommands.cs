using Microsoft.Extensions.Logging;
using System.Globalization;
using Parley.Protocol;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Connection registration and keepalive: CAP, PASS, NICK, USER, PING, PONG, QUIT.
/// https://modern.ircdocs.horse/#connection-registration</summary>
internal static class RegistrationCommands
{
    public static void Register(CommandTable t)
    {
        t.Add(new("CAP", CapCommand.HandleAsync, MinParams: 1, BeforeRegistration: true));
        t.Add(new("PASS", PassAsync, MinParams: 1, BeforeRegistration: true));
        t.Add(new("NICK", NickAsync, BeforeRegistration: true));
        t.Add(new("USER", UserAsync, MinParams: 4, BeforeRegistration: true));
        t.Add(new("PING", PingAsync, MinParams: 1, BeforeRegistration: true, Pipelined: true, Barrier: true));
        t.Add(new("PONG", PongAsync, BeforeRegistration: true, Exempt: true, Pipelined: true));
        t.Add(new("QUIT", QuitAsync, BeforeRegistration: true, Exempt: true));
    }

    // PASS <password>  https://modern.ircdocs.horse/#pass-message
    // PASS <account>:<password> logs in to the account when the server has no password (as Ergo).
    private static async ValueTask PassAsync(Session s, IrcMessage m)
    {
        if (s.IsRegistered)
        {
            s.Numeric(Numerics.ERR_ALREADYREGISTERED, "You may not reregister");
            return;
        }
        var password = m.Parameters[0];
        var colon = password.IndexOf(':', StringComparison.Ordinal);
        if (s.Server.Options.Password is null && colon > 0 && s.User.Account is null)
        {
            var result = await AccountLogin.VerifyPasswordAsync(s, password[..colon], password[(colon + 1)..], "PASS");
            switch (result.Outcome)
            {
                case AccountLogin.Outcome.Ok:
                    AccountLogin.Complete(s, result.Account!.Name, "PASS", sasl: false);
                    return;
                case AccountLogin.Outcome.Throttled:
                    s.Numeric(Numerics.ERR_SASLFAIL, "PASS login failed: " + AccountLogin.WaitText(result.Wait));
                    return;
                case AccountLogin.Outcome.Error:
                    s.Numeric(Numerics.ERR_SASLFAIL, "PASS login failed: internal error");
                    return;
                default:
                    s.Numeric(Numerics.ERR_SASLFAIL, "PASS login failed: invalid account credentials");
                    return;
            }
        }
        s.PendingPassword = password;
    }

    // NICK <nickname>  https://modern.ircdocs.horse/#nick-message
    private static async ValueTask NickAsync(Session s, IrcMessage m)
    {
        var nick = m.Param(0);
        if (string.IsNullOrEmpty(nick))
        {
            s.Numeric(Numerics.ERR_NONICKNAMEGIVEN, "No nickname given");
            return;
        }
        if (!NickRules.IsValid(nick, s.Server.Options.Limits.NickLength) || NickServ.IsReserved(s.Network, nick))
        {
            s.Numeric(Numerics.ERR_ERRONEUSNICKNAME, nick, "Erroneous nickname");
            return;
        }
        if (s.Throttled && !s.Network.CaseMapping.Equals(nick, s.Nick) && !s.NickChanges.TryTake(out var wait))
        {
            s.Numeric(Numerics.ERR_NICKTOOFAST, nick, $"Nick change too fast. Please wait {Seconds(wait)} seconds");
            return;
        }
        // In a cluster the nick is claimed network-wide first (the nick grain decides races).
        var link = s.Network.Link;
        var claimed = false;
        if (link is not null && !s.Network.CaseMapping.Equals(nick, s.Nick))
        {
            try
            {
                claimed = await link.ClaimNickAsync(nick, s.User.Id, s.User.Account);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                s.Server.LoggerFactory.CreateLogger("Parley.Server.Commands.RegistrationCommands").LogWarning(ex, "claiming the nick {Nick} failed", nick);
            }
            // A nick a local connection of this account holds is left to multiclient's attach below.
            if (!claimed && (s.IsRegistered || !Multiclient.MayAttachLater(s, nick)))
            {
                if (!s.IsRegistered && await Multiclient.MayAttachElsewhereLaterAsync(s, nick))
                {
                    // Held on another node by a user of an account: attached at the end of registration if this connection logs in to it.
                    s.AttachNick = nick;
                    await TryCompleteRegistrationAsync(s);
                    return;
                }
                NickInUse(s, nick);
                return;
            }
        }
        var oldNick = s.User.Nick;
        var result = s.Network.ChangeNick(s.User, nick, s.Replies);
        if (claimed && result != IrcNetwork.NickResult.Ok)
        {
            link!.ReleaseNick(nick, s.User.Id);
        }
        if (claimed && result == IrcNetwork.NickResult.Ok && s.IsRegistered && s.User.SessionsElsewhere && s.User.Account is { } account)
        {
            // Multiclient across nodes: the account's users on other nodes follow.
            await link!.RenameSessionsElsewhereAsync(oldNick, nick, account);
        }
        switch (result)
        {
            case IrcNetwork.NickResult.InUse when !s.IsRegistered && Multiclient.MayAttachLater(s, nick):
                s.AttachNick = nick;
                await TryCompleteRegistrationAsync(s);
                break;
            case IrcNetwork.NickResult.InUse:
                NickInUse(s, nick);
                break;
            case IrcNetwork.NickResult.Ok when !s.IsRegistered:
                s.AttachNick = null;
                await TryCompleteRegistrationAsync(s);
                break;
        }
    }

    private static void NickInUse(Session s, string nick)
    {
        if (!s.IsRegistered)
        {
            s.RequestedNick = nick;
        }
        s.Numeric(Numerics.ERR_NICKNAMEINUSE, nick, "Nickname is already in use");
    }

    /// <summary>A wait in whole seconds, rounded up.</summary>
    internal static string Seconds(TimeSpan wait)
        => Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // USER <username> <mode> <unused> <realname>  https://modern.ircdocs.horse/#user-message
    private static ValueTask UserAsync(Session s, IrcMessage m)
    {
        if (s.IsRegistered || s.PendingUsername is not null)
        {
            s.Numeric(Numerics.ERR_ALREADYREGISTERED, "You may not reregister");
            return ValueTask.CompletedTask;
        }
        if (m.Parameters[3].Length == 0)
        {
            // An empty realname is refused like an empty username: https://github.com/ircdocs/modern-irc/issues/85
            s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters");
            return ValueTask.CompletedTask;
        }
        var username = new string(m.Parameters[0].Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').ToArray());
        if (username.Length == 0)
        {
            if (m.Parameters[0].Length == 0)
            {
                s.Numeric(Numerics.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters");
                return ValueTask.CompletedTask;
            }
            username = "user";
        }
        // No ident lookup: the username is the client's claim, marked with '~' as is customary.
        s.PendingUsername = "~" + username[..Math.Min(username.Length, 17)];
        s.PendingRealname = m.Parameters[3];
        return TryCompleteRegistrationAsync(s);
    }

    // PING <token>  https://modern.ircdocs.horse/#ping-message
    private static ValueTask PingAsync(Session s, IrcMessage m)
    {
        s.Reply("PONG", s.Server.Name, m.Parameters[0]);
        return ValueTask.CompletedTask;
    }

    // PONG [<server>] <token>: the read loop already noted the activity.
    private static ValueTask PongAsync(Session s, IrcMessage m) => ValueTask.CompletedTask;

    // QUIT [<reason>]  https://modern.ircdocs.horse/#quit-message
    private static ValueTask QuitAsync(Session s, IrcMessage m)
    {
        var reason = m.Param(0);
        var quit = string.IsNullOrEmpty(reason) ? "Quit" : "Quit: " + reason;
        // Replies so far (labeled ACK and the like) go out before the ERROR.
        s.EndCommand();
        s.Close(quit, quit);
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes registration once NICK and USER arrived and CAP negotiation ended.</summary>
    public static async ValueTask TryCompleteRegistrationAsync(Session s)
    {
        if (s.IsRegistered || s.CapNegotiating || s.PendingUsername is null || (s.Nick == "*" && s.AttachNick is null))
        {
            return;
        }
        var options = s.Server.Options;
        if (options.Password is not null && s.PendingPassword != options.Password)
        {
            s.Numeric(Numerics.ERR_PASSWDMISMATCH, "Password incorrect");
            s.EndCommand();
            s.Close("Bad password", "Bad password");
            return;
        }
        if (s.Server.Bans.MatchUser(s.PendingUsername.TrimStart('~'), s.User.RealHost, s.User.Host) is { } kline)
        {
            s.Numeric(Numerics.ERR_YOUREBANNEDCREEP, "You are banned from this server: " + kline.Reason);
            s.EndCommand();
            s.Close(BanCommands.ClosingReason(kline), BanCommands.ClosingReason(kline));
            return;
        }
        // "If the client completes registration … while the SASL authentication is still in
        // progress, the server SHOULD abort it and send a 906 numeric" (sasl-3.1).
        SaslCommands.AbortOnRegistration(s);
        if (s.AttachNick is { } attachNick)
        {
            s.AttachNick = null;
            if (Multiclient.TryAttach(s, attachNick))
            {
                await SendWelcomeAsync(s);
                return;
            }
            if (await Multiclient.TryAttachElsewhereAsync(s, attachNick))
            {
                // This node's own user of the account, holding the nick beside the other nodes' (multiclient across nodes).
                s.Network.CompleteRegistration(s.User, s.PendingUsername, s.PendingRealname ?? "");
                await SendWelcomeAsync(s);
                // After the welcome (its replies hold the connection's output): the account's channels.
                await Multiclient.ShareChannelsElsewhereAsync(s);
                return;
            }
            s.RequestedNick = attachNick;
            s.Numeric(Numerics.ERR_NICKNAMEINUSE, attachNick, "Nickname is already in use");
            if (s.Nick == "*")
            {
                return;
            }
        }
        s.Network.CompleteRegistration(s.User, s.PendingUsername, s.PendingRealname ?? "");
        await SendWelcomeAsync(s);
    }

    internal static async ValueTask SendWelcomeAsync(Session s)
    {
        var server = s.Server;
        var u = s.User;
        server.Metrics.Registered();
        s.Numeric(Numerics.RPL_WELCOME, $"Welcome to the {server.Options.Network} IRC Network {u.Prefix}");
        s.Numeric(Numerics.RPL_YOURHOST, $"Your host is {server.Name}, running version {ServerContext.Version}");
        s.Numeric(Numerics.RPL_CREATED, "This server was created " + server.StartedAt.UtcDateTime.ToString("ddd MMM dd yyyy 'at' HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        s.Numeric(Numerics.RPL_MYINFO, server.Name, ServerContext.Version, UserModeChars.Supported, "Iabeiklmnostv", "Ibeklov");
        foreach (var line in server.ISupport.Lines())
        {
            s.Numeric(Numerics.RPL_ISUPPORT, [.. line, "are supported by this server"]);
        }
        MetadataCommands.SendOwn(s);
        await ServerQueryCommands.SendLusersAsync(s);
        ServerQueryCommands.SendMotd(s);
    }
}
