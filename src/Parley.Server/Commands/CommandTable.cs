using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>
/// The one dispatch table: verb → <see cref="CommandSpec"/>. Each command family registers its
/// verbs in <see cref="CreateDefault"/>; the dispatcher does the common checks once.
/// </summary>
/// <remarks>Built at start-up, read-only afterwards: safe to share.</remarks>
public sealed class CommandTable
{
    private readonly Dictionary<string, CommandSpec> _commands = new(StringComparer.Ordinal);

    public static CommandTable CreateDefault()
    {
        var table = new CommandTable();
        RegistrationCommands.Register(table);
        MessagingCommands.Register(table);
        ChannelCommands.Register(table);
        ChannelOpsCommands.Register(table);
        ServerQueryCommands.Register(table);
        UserQueryCommands.Register(table);
        UserCommands.Register(table);
        OperatorCommands.Register(table);
        BanCommands.Register(table);
        SaslCommands.Register(table);
        ChatHistoryCommands.Register(table);
        AccountRegistration.Register(table);
        MetadataCommands.Register(table);
        return table;
    }

    public IEnumerable<string> Verbs => _commands.Keys;

    private long _unknownCount;

    /// <summary>How many times each verb was received, and unknown verbs as one (read when metrics are scraped).</summary>
    public IEnumerable<(string Verb, long Count)> Counts()
    {
        foreach (var spec in _commands.Values)
        {
            var n = Volatile.Read(ref spec.Count);
            if (n > 0)
            {
                yield return (spec.Name, n);
            }
        }
        var unknown = Volatile.Read(ref _unknownCount);
        if (unknown > 0)
        {
            yield return ("unknown", unknown);
        }
    }

    /// <summary>How many times <paramref name="verb"/> was received.</summary>
    public long CountOf(string verb) => _commands.TryGetValue(verb, out var spec) ? Volatile.Read(ref spec.Count) : 0;

    public void Add(CommandSpec spec) => _commands.Add(spec.Name, spec);

    public bool TryGet(string verb, out CommandSpec spec) => _commands.TryGetValue(verb, out spec!);

    public bool IsFloodExempt(string verb) => _commands.TryGetValue(verb, out var spec) && spec.Exempt;

    /// <summary>Whether the verb may run before the client's earlier commands are committed (<see cref="CommandSpec.Pipelined"/>).</summary>
    public bool IsPipelined(string verb) => _commands.TryGetValue(verb, out var spec) && spec.Pipelined;

    /// <summary>Whether the verb waits for the commands others began before it (<see cref="CommandSpec.Barrier"/>).</summary>
    public bool IsBarrier(string verb) => _commands.TryGetValue(verb, out var spec) && spec.Barrier;

    /// <summary>Runs the checks every command shares, then the handler.</summary>
    public ValueTask DispatchAsync(Session session, IrcMessage message)
    {
        if (!_commands.TryGetValue(message.Command, out var spec))
        {
            Interlocked.Increment(ref _unknownCount);
            if (session.IsRegistered)
            {
                session.Numeric(Numerics.ERR_UNKNOWNCOMMAND, message.Command, "Unknown command");
            }
            else
            {
                session.Numeric(Numerics.ERR_NOTREGISTERED, "You have not registered");
            }
            return ValueTask.CompletedTask;
        }
        Interlocked.Increment(ref spec.Count);
        if (!spec.BeforeRegistration && !session.IsRegistered)
        {
            session.Numeric(Numerics.ERR_NOTREGISTERED, "You have not registered");
            return ValueTask.CompletedTask;
        }
        if (message.Parameters.Count < spec.MinParams)
        {
            session.Numeric(Numerics.ERR_NEEDMOREPARAMS, message.Command, "Not enough parameters");
            return ValueTask.CompletedTask;
        }
        if (spec.OperOnly && !session.User.IsOperator)
        {
            session.Numeric(Numerics.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
            return ValueTask.CompletedTask;
        }
        var run = spec.Handler(session, message);
        return run.IsCompletedSuccessfully && !NickOwnership.NeedsCheck(session) ? run : AfterAsync(run, session);
    }

    // A command that changed the nick or the account: is the nick someone else's account now?
    private static async ValueTask AfterAsync(ValueTask run, Session session)
    {
        await run;
        if (NickOwnership.NeedsCheck(session))
        {
            await NickOwnership.CheckAsync(session);
        }
    }
}
