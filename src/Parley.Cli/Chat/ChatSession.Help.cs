namespace Parley.Cli.Chat;

internal sealed partial class ChatSession
{
    /// <summary>Every command with its usage and what it does, in the order /help lists them.</summary>
    internal static readonly (string Name, string Usage, string Text)[] Commands =
    [
        ("help", "/help [command]", "list the commands, or explain one"),
        ("login", "/login <nick> <password> [<ip> <port> | -]", "take the nick and log in (SASL, else PASS, else NickServ), and accept direct chats at a published endpoint: ip and port given, there; - for none"),
        ("lookup", "/lookup [<nick>]", "alone: who is online; with a nick: online or not, account, away, idle, direct-chat endpoint"),
        ("msg", "/msg <nick|#channel> <text>", "send; over the direct chat when one is open with that nick, else through the server"),
        ("show", "/show [<nick>]", "messages received since the last /show, from that nick or everyone, with sender and time"),
        ("direct", "/direct <nick> [passive]", "open a direct chat: at the endpoint <nick> published, else by an offer (DCC CHAT); passive: they listen, you connect"),
        ("accept", "/accept <nick>", "accept the direct chat <nick> offered"),
        ("close", "/close <nick>", "close the direct chat with <nick>, or refuse its offer"),
        ("join", "/join <#channel> [key]", "join a channel"),
        ("part", "/part <#channel> [reason]", "leave a channel"),
        ("names", "/names [<#channel>]", "who is in a channel"),
        ("topic", "/topic <#channel> [text]", "show or set a channel's topic"),
        ("away", "/away [text]", "set yourself away with a message; alone: back"),
        ("history", "/history <nick|#channel> [n]", "the last n messages (20 by default), where the server keeps history"),
        ("me", "/me <action>", "an action in the current conversation"),
        ("switch", "/switch <nick|#channel>", "make it the current conversation (plain text goes there)"),
        ("logout", "/logout", "quit the server and stop accepting direct chats; open direct chats stay, the program keeps running"),
        ("exit", "/exit", "log out and leave"),
    ];

    private void Help(string? command)
    {
        if (command is not null)
        {
            var name = command.TrimStart('/').ToLowerInvariant();
            var found = Commands.FirstOrDefault(c => c.Name == name);
            if (found.Name is null)
            {
                Error($"unknown command /{name}");
                return;
            }
            Info($"{found.Usage}: {found.Text}");
            return;
        }
        Info("commands (case-insensitive; text without a / goes to the current conversation):");
        var width = Commands.Max(c => c.Usage.Length);
        foreach (var (_, usage, text) in Commands)
        {
            _view.Show($"  {usage.PadRight(width)}  {text}");
        }
    }

    private void Usage(string command)
    {
        var found = Commands.FirstOrDefault(c => c.Name == command);
        Error("usage: " + (found.Usage ?? "/" + command));
    }
}
