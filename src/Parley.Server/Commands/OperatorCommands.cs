using Parley.Protocol;
using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Security;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Operator commands: OPER, KILL, WALLOPS, REHASH. https://modern.ircdocs.horse/#operator-messages</summary>
internal static class OperatorCommands
{
    /// <summary>Salt and hash of the decoy verified for an unknown operator name (any base64 will do).</summary>
    private const string DecoySaltAndHash = "ZGVjb3ktc2FsdC0xMjM0NQ==$ZGVjb3ktaGFzaC1vZi10aGlydHktdHdvLWJ5dGVzISE=";

    /// <summary>One REHASH at a time: two would race to replace the options.</summary>
    private static readonly Lock RehashGate = new();

    public static void Register(CommandTable t)
    {
        t.Add(new("OPER", OperAsync, MinParams: 2));
        t.Add(new("KILL", KillAsync, MinParams: 1, OperOnly: true));
        t.Add(new("WALLOPS", WallopsAsync, MinParams: 1, OperOnly: true));
        t.Add(new("REHASH", RehashAsync, OperOnly: true));
    }

    // OPER <name> <password>   https://modern.ircdocs.horse/#oper-message
    private static ValueTask OperAsync(Session s, IrcMessage m)
    {
        var name = m.Parameters[0];
        var password = m.Parameters[1];
        var operators = s.Server.Options.Operators;
        var block = operators.FirstOrDefault(o => o.Name == name);
        // PBKDF2 is slow by design (a few hundred ms at the default strength). Only this
        // connection waits: its next command is read after this one, which also throttles
        // password guessing to one attempt at a time per connection.
        var hash = block?.PasswordHash ?? Decoy(operators);
        var verified = hash is not null && PasswordHash.Verify(password, hash);
        if (block is null || !verified)
        {
            s.Numeric(Numerics.ERR_PASSWDMISMATCH, "Password incorrect");
            return ValueTask.CompletedTask;
        }
        if (!MatchesMask(s, block))
        {
            s.Numeric(Numerics.ERR_NOOPERHOST, "No O-lines for your host");
            return ValueTask.CompletedTask;
        }
        var newlyOper = s.Network.GrantOperator(s.User, block.Name);
        s.Numeric(Numerics.RPL_YOUREOPER, "You are now an IRC operator");
        if (newlyOper)
        {
            s.Reply(new OutboundMessage(s.Nick, "MODE", s.Nick, "+o") { Time = s.Network.NowTag() });
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// For an unknown operator name: a hash as slow as a real one (the first block's iteration
    /// count), so that the reply's timing does not tell which names exist; null when none do.
    /// </summary>
    private static string? Decoy(IReadOnlyList<OperatorOptions> operators)
    {
        if (operators.Count == 0)
        {
            return null;
        }
        var parts = operators[0].PasswordHash.Split('$');
        return parts.Length == 4 ? $"{parts[0]}${parts[1]}${DecoySaltAndHash}" : null;
    }

    /// <summary>The operator block's nick!user@host mask, against the shown host or the real one.</summary>
    private static bool MatchesMask(Session s, OperatorOptions block)
    {
        if (block.Mask is "*" or "" or "*!*@*")
        {
            return true;
        }
        var mask = HostMask.Normalize(block.Mask);
        var u = s.User;
        return HostMask.Matches(mask, u.Prefix, s.Network.CaseMapping)
               || HostMask.Matches(mask, $"{u.Nick}!{u.Username}@{u.RealHost}", s.Network.CaseMapping);
    }

    // KILL <nickname> [<comment>]   https://modern.ircdocs.horse/#kill-message
    // The comment is optional, as in Ergo; the target gets ERROR, the others a QUIT.
    private static ValueTask KillAsync(Session s, IrcMessage m)
    {
        var nick = m.Parameters[0];
        if (s.Server.Name.Equals(nick, StringComparison.OrdinalIgnoreCase))
        {
            s.Numeric(Numerics.ERR_CANTKILLSERVER, "You cannot kill a server!");
            return ValueTask.CompletedTask;
        }
        var target = s.Network.FindUser(nick);
        if (target is null)
        {
            s.Numeric(Numerics.ERR_NOSUCHNICK, ReplyLines.SafeParam(nick), "No such nick/channel");
            return ValueTask.CompletedTask;
        }
        var comment = m.Param(1);
        var reason = string.IsNullOrEmpty(comment) ? $"Killed ({s.Nick})" : $"Killed ({s.Nick} ({comment}))";
        if (target == s.User)
        {
            // As QUIT: this command's replies go out before the ERROR.
            s.EndCommand();
            s.Close(reason, reason);
            return ValueTask.CompletedTask;
        }
        // The user leaves whole (an always-on one too), then each of its connections closes.
        s.Network.Disconnect(target, reason);
        target.Sink.Disconnect(reason);
        return ValueTask.CompletedTask;
    }

    // WALLOPS <text>   https://modern.ircdocs.horse/#wallops-message
    private static ValueTask WallopsAsync(Session s, IrcMessage m)
    {
        s.Network.Wallops(s.User, m.Parameters[0], s.Replies);
        return ValueTask.CompletedTask;
    }

    // REHASH   https://modern.ircdocs.horse/#rehash-message
    // Re-reads the configuration and applies it; on any error the running one stays, whole.
    // Connections are never dropped; listen addresses change only with a restart.
    private static ValueTask RehashAsync(Session s, IrcMessage m)
    {
        var server = s.Server;
        if (server.Reload is null)
        {
            s.Fail("REHASH", "NOT_AVAILABLE", "This server has no configuration to re-read");
            return ValueTask.CompletedTask;
        }
        s.Numeric(Numerics.RPL_REHASHING, "configuration", "Rehashing");
        lock (RehashGate)
        {
            var old = server.Options;
            ServerOptions fresh;
            try
            {
                fresh = server.Reload();
                server.Apply(fresh);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OptionsException or IOException or UnauthorizedAccessException or FormatException)
            {
                RestoreQuietly(server, old);
                s.Fail("REHASH", "CONFIG_INVALID", "Rehash failed, the configuration is unchanged: " + OneLine(ex.Message));
                return ValueTask.CompletedTask;
            }
            if (!fresh.Listen.SequenceEqual(old.Listen))
            {
                s.Reply("NOTICE", s.Nick, "Rehash: new listen addresses take effect at the next restart");
            }
        }
        s.Reply("NOTICE", s.Nick, "Rehash complete");
        return ValueTask.CompletedTask;
    }

    private static void RestoreQuietly(ServerContext server, ServerOptions old)
    {
        try
        {
            server.Apply(old);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The old MOTD file went away meanwhile: the old options stand, without it.
        }
    }

    private static string OneLine(string text)
    {
        var i = text.AsSpan().IndexOfAny('\r', '\n');
        return (i < 0 ? text : text[..i]).Trim();
    }
}
