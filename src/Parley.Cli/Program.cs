using Parley.Cli;
using Parley.Cli.Chat;
using Parley.Server.Security;

return Run(args);

static int Run(string[] args)
{
    const string usage = """
        usage: parley <command> [options]

        commands:
          serve      run the server (parley serve --help)
          chat       the terminal client (parley chat --help)
          account    create, change, delete and list accounts (parley account --help)
          mkpasswd   hash a password for an operator block in the config
          mkcert     make a self-signed TLS certificate (parley mkcert --help)

        See README.md and docs/configuration.md.
        """;
    if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
    {
        Console.Out.WriteLine(usage);
        return args.Length == 0 ? 2 : 0;
    }
    switch (args[0])
    {
        case "serve":
            return ServeCommand.Run(args[1..], Console.Out, Console.Error);
        case "chat":
            return ChatCommand.RunAsync(args[1..], Console.In, Console.Out, Console.Error).GetAwaiter().GetResult();
        case "account":
            return AccountCommand.Run(args[1..], Console.In, Console.Out, Console.Error);
        case "mkcert":
            return MkcertCommand.Run(args[1..], Console.Out, Console.Error);
        case "mkpasswd":
            var password = args.Length > 1 ? args[1] : Console.In.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("parley mkpasswd: give the password as an argument or on standard input");
                return 2;
            }
            Console.Out.WriteLine(PasswordHash.Create(password));
            return 0;
        case "--version":
            Console.Out.WriteLine(Parley.Server.ServerContext.Version);
            return 0;
        default:
            Console.Error.WriteLine($"parley: unknown command '{args[0]}' (see parley --help)");
            return 2;
    }
}
