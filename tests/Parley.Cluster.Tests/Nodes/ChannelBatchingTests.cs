using System.Collections.Concurrent;
using Parley.Cluster.Tests.Infrastructure;
using Parley.Server.Network;
using Parley.Server.Sessions;

namespace Parley.Cluster.Tests.Nodes;

/// <summary>
/// A node's channel commands that queue while its previous call to the channel's grain is on its
/// way go as one batch (<see cref="Grains.IChannelGrain.PublishBatchAsync"/>): one order per
/// channel on every node all the same, and a command that fails inside a batch fails alone.
/// Three in-process silos, users made in each node's network directly.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ChannelBatchingTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private string _connectionString = "";
    private InProcessSilo[] _silos = [];

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.Server.CreateDatabaseAsync();
        _silos = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => InProcessSilo.StartAsync(_connectionString, $"silo{i}.parley.test")))
            .WaitAsync(NodeProcess.StartTimeout);
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
        await postgres.Server.DropDatabaseAsync(_connectionString);
    }

    /// <summary>A client as a node's network sees it: the channel messages it receives, in order.</summary>
    private sealed class Client : IClientSink
    {
        private readonly Lock _gate = new();
        private readonly List<string> _texts = [];
        private (int Count, TaskCompletionSource Done)? _waiter;

        public Capability Caps => Capability.None;

        public IrcUser User { get; set; } = null!;

        public void Deliver(OutboundMessage message)
        {
            if (message.Command != "PRIVMSG")
            {
                return;
            }
            lock (_gate)
            {
                _texts.Add(message.Parameters[^1]);
                if (_waiter is { } w && _texts.Count >= w.Count)
                {
                    w.Done.TrySetResult();
                }
            }
        }

        public void Disconnect(string reason)
        {
        }

        /// <summary>The texts received once there are <paramref name="count"/> (fails after the test's timeout).</summary>
        public async Task<List<string>> ReceivedAsync(int count)
        {
            Task wait;
            lock (_gate)
            {
                if (_texts.Count >= count)
                {
                    return [.. _texts];
                }
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiter = (count, done);
                wait = done.Task;
            }
            await wait.WaitAsync(Timeout);
            lock (_gate)
            {
                return [.. _texts];
            }
        }
    }

    private static Client Register(IrcNetwork network, string nick)
    {
        var client = new Client();
        var user = network.Connect(client, "127.0.0.1", "127.0.0.1");
        Assert.Equal(IrcNetwork.NickResult.Ok, network.ChangeNick(user, nick, null));
        network.CompleteRegistration(user, "u", nick);
        client.User = user;
        return client;
    }

    private static async Task JoinAsync(IrcNetwork network, Client client, string channel)
    {
        var result = await network.JoinAsync(client.User, channel, null, new ReplyBuffer()).AsTask().WaitAsync(Timeout);
        Assert.Equal(JoinError.None, result.Error);
    }

    private static ValueTask<SendResult> SayAsync(IrcNetwork network, Client from, string channel, string text, ReplyBuffer replies)
        => network.SendToChannelAsync(from.User, channel, MemberStatus.None, new OutboundMessage(from.User.Prefix, "PRIVMSG", channel, text), replies, echo: true);

    [Fact]
    public async Task ConcurrentSendersOnThreeNodes_EveryMemberSeesOneOrder_EachSendersInItsOrder_AndNodesSendBatches()
    {
        const int sendersPerNode = 3, perSender = 30;
        var batches = new ConcurrentQueue<int>();
        var receivers = new List<Client>();
        var senders = new List<(IrcNetwork Network, Client Client, string Name)>();
        foreach (var silo in _silos)
        {
            silo.Link.BatchPublishing = (channel, size) =>
            {
                if (channel == "#b")
                {
                    batches.Enqueue(size);
                }
            };
            var receiver = Register(silo.Network, $"r{silo.Name[..5]}");
            await JoinAsync(silo.Network, receiver, "#b");
            receivers.Add(receiver);
            for (var k = 0; k < sendersPerNode; k++)
            {
                var name = $"{silo.Name[..5]}s{k}";
                var sender = Register(silo.Network, name);
                await JoinAsync(silo.Network, sender, "#b");
                senders.Add((silo.Network, sender, name));
            }
        }
        batches.Clear();

        // Every sender sends its messages one after the other (as a client's handler does), all at once.
        await Task.WhenAll(senders.Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                var result = await SayAsync(s.Network, s.Client, "#b", $"{s.Name} {i}", new ReplyBuffer());
                Assert.Equal(SendStatus.Ok, result.Status);
            }
        }))).WaitAsync(Timeout);

        var total = senders.Count * perSender;
        var seen = await Task.WhenAll(receivers.Select(r => r.ReceivedAsync(total)));
        Assert.Equal(total, seen[0].Count);
        Assert.Equal(total, seen[0].Distinct().Count());
        foreach (var (_, _, name) in senders)
        {
            Assert.Equal(Enumerable.Range(0, perSender).Select(i => $"{name} {i}"), seen[0].Where(t => t.StartsWith(name + " ", StringComparison.Ordinal)));
        }
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal(seen[0], seen[2]);
        Assert.All(_silos, s => Assert.Equal(0, s.Link.ChannelAnomalies));
        Assert.All(_silos, s => Assert.Equal(0, s.Link.ApplyFailures));
        // Three senders per node, each waiting for its own message: some calls carried several.
        Assert.Equal(total, batches.Sum());
        Assert.True(batches.Max() > 1, $"no batch carried more than one message ({batches.Count} calls)");
        Assert.True(batches.Count < total, $"{batches.Count} calls for {total} messages");
    }

    [Fact]
    public async Task ACommandFailingInsideABatch_FailsAlone_TheOthersReachEveryNodeInOrder_WithoutAGap()
    {
        var origin = _silos[0];
        var receivers = new List<Client>();
        foreach (var silo in _silos)
        {
            var receiver = Register(silo.Network, $"r{silo.Name[..5]}");
            await JoinAsync(silo.Network, receiver, "#f");
            receivers.Add(receiver);
        }
        var senders = new List<Client>();
        for (var i = 0; i < 10; i++)
        {
            var sender = Register(origin.Network, $"a{i}");
            await JoinAsync(origin.Network, sender, "#f");
            senders.Add(sender);
        }

        // m0's apply on its origin is held until m1…m9 have queued behind it; m5 cannot be applied anywhere.
        var batches = new ConcurrentQueue<int>();
        origin.Link.BatchPublishing = (_, size) => batches.Enqueue(size);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim(false);
        foreach (var silo in _silos)
        {
            var isOrigin = silo == origin;
            silo.Link.Applying = c =>
            {
                var text = c.Message?.Parameters[^1];
                if (isOrigin && text == "m0")
                {
                    holding.TrySetResult();
                    release.Wait(Timeout);
                }
                if (text == "m5")
                {
                    throw new InvalidOperationException("m5 cannot be applied (test)");
                }
            };
        }
        var replies = senders.Select(_ => new ReplyBuffer()).ToArray();
        var first = SayAsync(origin.Network, senders[0], "#f", "m0", replies[0]).AsTask();
        await holding.Task.WaitAsync(Timeout);
        // Queued at once (the node's call for m0 is on its way), so they go as one batch.
        var rest = Enumerable.Range(1, 9).Select(i => SayAsync(origin.Network, senders[i], "#f", $"m{i}", replies[i]).AsTask()).ToArray();
        release.Set();
        var results = await Task.WhenAll([first, .. rest]).WaitAsync(Timeout);

        for (var i = 0; i < 10; i++)
        {
            if (i == 5)
            {
                // Its sender only is told it failed, and gets no echo.
                Assert.NotEqual(SendStatus.Ok, results[i].Status);
                Assert.Equal(0, replies[i].Count);
            }
            else
            {
                Assert.Equal(SendStatus.Ok, results[i].Status);
                Assert.Contains(replies[i].Items, r => r.Message.Command == "PRIVMSG" && r.Message.Parameters[^1] == $"m{i}");
            }
        }
        Assert.Equal([1, 9], batches);

        // The channel goes on: one more message, after which every node has shown all of it.
        Assert.Equal(SendStatus.Ok, (await SayAsync(origin.Network, senders[0], "#f", "end", new ReplyBuffer())).Status);
        string[] expected = ["m0", "m1", "m2", "m3", "m4", "m6", "m7", "m8", "m9", "end"];
        foreach (var receiver in receivers)
        {
            Assert.Equal(expected, await receiver.ReceivedAsync(expected.Length));
        }
        Assert.All(_silos, s => Assert.Equal(1, s.Link.ApplyFailures));
        Assert.All(_silos, s => Assert.Equal(0, s.Link.ChannelAnomalies));
    }

    /// <summary>
    /// A message's sender goes on once its node applied it (its next message then queues for the
    /// next batch while the grain still fans this one out); but what the sender does next
    /// elsewhere (a message to another channel, a private message) waits until the message has
    /// reached every node, so no node gets them in another order than sent.
    /// </summary>
    [Fact]
    public async Task AMessage_IsAnsweredOnceItsNodeAppliedIt_ButTheSendersNextMessagesElsewhereWaitUntilEveryNodeHasIt()
    {
        var (here, there) = (_silos[0], _silos[1]);
        var alice = Register(here.Network, "alice");
        var bob = Register(there.Network, "bob");
        Assert.True(await there.Link.ClaimNickAsync("bob", bob.User.Id, null));
        foreach (var channel in new[] { "#p", "#q" })
        {
            await JoinAsync(here.Network, alice, channel);
            await JoinAsync(there.Network, bob, channel);
        }

        // Bob's node holds "one" until alice's node applies "two" (which must not happen first), 2 s at most.
        using var overtaken = new ManualResetEventSlim(false);
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        there.Link.Applying = c =>
        {
            if (c.Message?.Parameters[^1] == "one")
            {
                holding.TrySetResult();
                overtaken.Wait(TimeSpan.FromSeconds(2));
                held.TrySetResult();
            }
        };
        here.Link.Applying = c =>
        {
            if (c.Message?.Parameters[^1] == "two")
            {
                overtaken.Set();
            }
        };

        Assert.Equal(SendStatus.Ok, (await SayAsync(here.Network, alice, "#p", "one", new ReplyBuffer()).AsTask().WaitAsync(Timeout)).Status);
        await holding.Task.WaitAsync(Timeout);
        Assert.False(held.Task.IsCompleted, "the sender was answered only after every node had its message");

        var two = SayAsync(here.Network, alice, "#q", "two", new ReplyBuffer()).AsTask();
        var three = here.Link.SendToUserAsync("bob", [new OutboundMessage(alice.User.Prefix, "PRIVMSG", "bob", "three")], "alice").AsTask();
        await held.Task.WaitAsync(Timeout);
        Assert.False(overtaken.IsSet, "a message to another channel was applied before the first reached every node");
        Assert.Equal(SendStatus.Ok, (await two.WaitAsync(Timeout)).Status);
        Assert.NotNull(await three.WaitAsync(Timeout));

        var got = await bob.ReceivedAsync(3);
        Assert.Equal("one", got[0]);
        Assert.Equal(["three", "two"], got.Skip(1).Order(StringComparer.Ordinal));
    }
}
