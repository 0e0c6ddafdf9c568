using System.Globalization;

namespace Parley.Cli.Chat;

/// <summary>The command line of <c>parley chat</c>.</summary>
internal sealed record ChatOptions
{
    public const string Usage = """
        usage: parley chat [SERVER[:PORT]] [--tls] [--nick NICK] [--no-listen] [--plain]

          SERVER[:PORT]   the server (default localhost:6667; IPv6 as [::1]:6667); every
                          address of the name is tried in turn
          --tls           connect with TLS (default port 6697)
          --tls-cert PEM  trust this (self-signed) server certificate; implies --tls
          --nick NICK     connect at once as NICK, without logging in to an account
          --no-listen     open no standing direct-chat listener at login and publish
                          none (direct chats then only by offer: /direct, /accept)
          --plain         one event per line on standard output, commands from standard
                          input (automatic when either is not a terminal)
          -h, --help      this help

        Then type /help for the commands.
        """;

    public string Host { get; init; } = "localhost";
    public int Port { get; init; } = 6667;
    public bool Tls { get; init; }

    /// <summary>A PEM certificate file to trust for the server (pinning a self-signed one).</summary>
    public string? TlsCertificate { get; init; }
    public string? Nick { get; init; }
    public bool Plain { get; init; }

    /// <summary>No standing direct-chat listener at login (as <c>/login nick password -</c>).</summary>
    public bool NoListen { get; init; }

    /// <summary>Parses the arguments after "chat"; null and an error for bad usage.</summary>
    public static ChatOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new ChatOptions();
        string? server = null;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = CliArgs.SplitInline(args[i], out var inline);
            if (inline is not null && arg is not ("--nick" or "--tls-cert"))
            {
                error = $"option {arg} takes no value";
                return null;
            }
            switch (arg)
            {
                case "--tls":
                    options = options with { Tls = true };
                    break;
                case "--tls-cert":
                    if (inline is null && i + 1 >= args.Length)
                    {
                        error = "option --tls-cert needs a file";
                        return null;
                    }
                    options = options with { Tls = true, TlsCertificate = inline ?? args[++i] };
                    break;
                case "--plain":
                    options = options with { Plain = true };
                    break;
                case "--no-listen":
                    options = options with { NoListen = true };
                    break;
                case "--nick":
                    if (inline is null && i + 1 >= args.Length)
                    {
                        error = "option --nick needs a value";
                        return null;
                    }
                    options = options with { Nick = inline ?? args[++i] };
                    break;
                default:
                    if (args[i].StartsWith('-') || server is not null)
                    {
                        error = $"unexpected argument '{args[i]}' (see parley chat --help)";
                        return null;
                    }
                    server = args[i];
                    break;
            }
        }
        if (options.TlsCertificate is { } file && !File.Exists(file))
        {
            error = $"no certificate file {file}";
            return null;
        }
        var port = options.Tls ? 6697 : 6667;
        if (server is not null)
        {
            if (!TrySplitHostPort(server, out var host, out var givenPort))
            {
                error = $"cannot read '{server}' as SERVER[:PORT]";
                return null;
            }
            options = options with { Host = host };
            port = givenPort ?? port;
        }
        return options with { Port = port };
    }

    /// <summary>host, host:port, [v6], [v6]:port, or a bare IPv6 address.</summary>
    internal static bool TrySplitHostPort(string text, out string host, out int? port)
    {
        host = text;
        port = null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }
            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0)
            {
                return host.Length > 0;
            }
            if (!rest.StartsWith(':') || !TryPort(rest[1..], out var p))
            {
                return false;
            }
            port = p;
            return host.Length > 0;
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && colon == text.LastIndexOf(':'))
        {
            if (!TryPort(text[(colon + 1)..], out var p))
            {
                return false;
            }
            host = text[..colon];
            port = p;
        }
        return host.Length > 0;
    }

    private static bool TryPort(string s, out int port) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
}
