using Parley.Protocol;
using Parley.Server.Sessions;

namespace Parley.Server.Commands;

/// <summary>Handles one command for one session. Replies go to <see cref="Session.Replies"/>.</summary>
public delegate ValueTask CommandHandler(Session session, IrcMessage message);

/// <summary>
/// A verb and what the dispatcher checks before its handler runs (in the manner of Ergo's
/// command table): registration, parameter count, operator status.
/// </summary>
/// <param name="Name">The verb, upper case.</param>
/// <param name="Handler">The command's own logic.</param>
/// <param name="MinParams">Fewer parameters get 461 ERR_NEEDMOREPARAMS.</param>
/// <param name="BeforeRegistration">Allowed before registration completes (else 451).</param>
/// <param name="OperOnly">Only IRC operators (else 481).</param>
/// <param name="Exempt">Does not count against flood control (PONG).</param>
/// <param name="Pipelined">May run while the client's earlier commands still wait for their history
/// commit: it reads nothing from the history store (PRIVMSG, PING). Other commands wait first.</param>
/// <param name="Barrier">Runs only once every command the server had begun on other connections has
/// ended (PING: its PONG proves that what was sent before it was handled; see <see cref="Connections.CommandBarrier"/>).</param>
public sealed record CommandSpec(
    string Name,
    CommandHandler Handler,
    int MinParams = 0,
    bool BeforeRegistration = false,
    bool OperOnly = false,
    bool Exempt = false,
    bool Pipelined = false,
    bool Barrier = false)
{
    /// <summary>How many times the verb was received (the metric parley.commands); added to with Interlocked.</summary>
    internal long Count;
}
