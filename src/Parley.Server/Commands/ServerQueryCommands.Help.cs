namespace Parley.Server.Commands;

// HELP and HELPOP texts: a grammar line and what the command does, for every verb a client
// can send. https://modern.ircdocs.horse/#help-message
internal static partial class ServerQueryCommands
{
    /// <summary>Help by verb (upper case): each entry's lines, the grammar first.</summary>
    internal static readonly IReadOnlyDictionary<string, string[]> HelpTexts = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["ADMIN"] = ["ADMIN [<server>]", "Shows who runs this server and how to reach them."],
        ["AUTHENTICATE"] = ["AUTHENTICATE <mechanism>|<data>", "SASL authentication during or after registration (IRCv3 sasl)."],
        ["AWAY"] = ["AWAY [<message>]", "Marks you away with the message; without one (or with an empty one), marks you back."],
        ["BATCH"] = ["BATCH +<ref> <type> [<params>] / BATCH -<ref>", "Opens or closes a client batch, such as draft/multiline."],
        ["CAP"] = ["CAP LS [302] | LIST | REQ :<caps> | END", "Negotiates IRCv3 capabilities."],
        ["CHATHISTORY"] = ["CHATHISTORY <subcommand> <target> ...", "Fetches past messages of a channel or conversation (draft/chathistory)."],
        ["HELP"] = ["HELP [<subject>]", "Shows help on a command; without one, the list of commands."],
        ["HELPOP"] = ["HELPOP [<subject>]", "The same as HELP."],
        ["INFO"] = ["INFO", "Shows what this server is and runs."],
        ["INVITE"] = ["INVITE <nick> <channel>", "Invites a user to a channel; on +i channels only channel operators may."],
        ["ISON"] = ["ISON <nick>{ <nick>}", "Tells which of the nicks are online."],
        ["JOIN"] = ["JOIN <channel>{,<channel>} [<key>{,<key>}] | JOIN 0", "Joins channels, creating them if needed; JOIN 0 leaves all of yours."],
        ["KICK"] = ["KICK <channel> <nick>{,<nick>} [<reason>]", "Removes users from a channel (channel operators)."],
        ["KILL"] = ["KILL <nick> [<comment>]", "Disconnects a user from the network (IRC operators)."],
        ["LINKS"] = ["LINKS [[<server>] <mask>]", "Lists the servers of the network."],
        ["LIST"] = ["LIST [<channel>{,<channel>}] [<filter>]", "Lists channels with their member counts and topics."],
        ["LUSERS"] = ["LUSERS", "Shows how many users, operators and channels there are."],
        ["MARKREAD"] = ["MARKREAD <target> [timestamp=<time>]", "Gets or sets how far you have read a conversation (draft/read-marker)."],
        ["METADATA"] = ["METADATA <target> <subcommand> ...", "Gets or sets metadata of a user or channel (draft/metadata-2)."],
        ["MODE"] = ["MODE <target> [<modes> [<arguments>]]", "Shows or changes user or channel modes."],
        ["MONITOR"] = ["MONITOR + <nick>{,<nick>} | - <nick>{,<nick>} | C | L | S", "Watches nicks: you are told when they come online or leave. C clears, L lists, S shows their state."],
        ["MOTD"] = ["MOTD [<server>]", "Shows the message of the day."],
        ["NAMES"] = ["NAMES [<channel>{,<channel>}]", "Lists the members of channels."],
        ["NICK"] = ["NICK <nick>", "Sets or changes your nick."],
        ["NOTICE"] = ["NOTICE <target>{,<target>} <text>", "Sends a notice: like PRIVMSG, but never answered automatically."],
        ["OPER"] = ["OPER <name> <password>", "Makes you an IRC operator if the name, password and your host match an operator block."],
        ["PART"] = ["PART <channel>{,<channel>} [<reason>]", "Leaves channels."],
        ["PASS"] = ["PASS <password>", "Gives the server password, before NICK and USER."],
        ["PING"] = ["PING <token>", "Asks the server for a PONG with the same token."],
        ["PONG"] = ["PONG [<server>] <token>", "Answers the server's PING."],
        ["PRIVMSG"] = ["PRIVMSG <target>{,<target>} <text>", "Sends a message to users or channels (@#channel: its operators only)."],
        ["QUIT"] = ["QUIT [<reason>]", "Leaves the network."],
        ["REDACT"] = ["REDACT <target> <msgid> [<reason>]", "Withdraws a message you sent (draft/message-redaction)."],
        ["REGISTER"] = ["REGISTER <account> <email> <password>", "Registers an account (draft/account-registration)."],
        ["REHASH"] = ["REHASH", "Re-reads the server configuration; on an error the running one stays (IRC operators)."],
        ["SETNAME"] = ["SETNAME <realname>", "Changes your realname (IRCv3 setname)."],
        ["STATS"] = ["STATS <query>", "Server statistics: u uptime, o operator blocks (IRC operators)."],
        ["TAGMSG"] = ["TAGMSG <target>{,<target>}", "Sends only message tags, such as typing notifications (IRCv3 message-tags)."],
        ["TIME"] = ["TIME [<server>]", "Shows the server's local time."],
        ["TOPIC"] = ["TOPIC <channel> [<topic>]", "Shows or sets a channel's topic; an empty topic clears it."],
        ["USER"] = ["USER <username> 0 * <realname>", "Gives your username and realname at registration."],
        ["USERHOST"] = ["USERHOST <nick>{ <nick>}", "Shows user@host, operator and away state of up to five nicks."],
        ["VERIFY"] = ["VERIFY <account> <code>", "Completes an account registration (draft/account-registration)."],
        ["VERSION"] = ["VERSION [<server>]", "Shows the server's version and the features it supports (RPL_ISUPPORT)."],
        ["WALLOPS"] = ["WALLOPS <text>", "Sends a message to every user with user mode +w (IRC operators)."],
        ["WHO"] = ["WHO <mask> [o][%<fields>[,<token>]]", "Lists users: the members of a channel, a nick, or those matching a mask (WHOX fields: tcuihsnfdlaor)."],
        ["WHOIS"] = ["WHOIS [<server>] <nick>", "Shows who a user is: user@host, realname, channels, idle time, away and operator state."],
        ["WHOWAS"] = ["WHOWAS <nick> [<count>]", "Shows who last used a nick."],
    };
}
