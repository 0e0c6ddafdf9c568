using Parley.Server.Hosting;
using Parley.Server.Network;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Sessions;

/// <summary>
/// Where a command's hold on its client's outbox begins: at the command's first reply, the
/// point where Network ordered the command's own event, not when the command started.
/// </summary>
public sealed class CommandHoldTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AMessageSequencedBeforeThePart_ReachesThePartingClientBeforeItsEcho(bool history)
    {
        await using var server = new TestServer(new ServerOptions { History = new HistoryOptions { Enabled = history } });
        var alice = await server.ConnectRegisteredAsync("alice");
        var bob = await server.ConnectRegisteredAsync("bob");
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await alice.SyncAsync();

        // Bob's PART command has begun (his read loop is idle: he sends nothing meanwhile)…
        var session = bob.Session;
        session.BeginCommand(null);
        // …when Alice's message is sequenced…
        await alice.SendAsync("PRIVMSG #c :before your part");
        await alice.SyncAsync();
        // …and only then the PART itself.
        Assert.Equal(PartError.None, session.Network.Part(session.User, "#c", null, session.Replies));
        session.EndCommand();

        // Bob was a member when Alice spoke: her message reaches him, before his PART, as it
        // reaches everyone else.
        var seen = (await bob.SyncAsync()).Where(l => l.Command is "PRIVMSG" or "PART").Select(l => l.Command).ToList();
        Assert.Equal(["PRIVMSG", "PART"], seen);
    }
}
