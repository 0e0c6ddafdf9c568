using Parley.Server.Connections;
using Parley.Server.Storage;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.History;

/// <summary>
/// A client's commands are not made to wait for each other's history commits (issue 7): the
/// read loop goes on while the replies wait in the delivery pipeline. What must still hold:
/// a message is stored before anyone receives it, the sender's replies come after, in command
/// order (ARCHITECTURE.md rules 4 and 10), and a client cannot queue unbounded work.
/// </summary>
public sealed class PipelinedCommandsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly string[] Caps = ["batch", "server-time", "message-tags", "echo-message", "labeled-response", "draft/chathistory"];

    [Fact]
    public async Task PipelinedPrivmsgs_WhileACommitWaits_AreEchoedAfterTheirCommit_InOrder()
    {
        GatedStore? gated = null;
        await using var server = new TestServer(wrapHistory: inner => gated = new GatedStore(inner));
        var (alice, bob) = await TwoInChannelAsync(server);
        gated!.Close();

        await alice.SendAsync(string.Join("\r\n", Enumerable.Range(0, 10).Select(i => $"PRIVMSG #c :m{i}")) + "\r\nPING :done");
        await gated.AppendStarted.Task.WaitAsync(Timeout);
        gated.Open();

        for (var i = 0; i < 10; i++)
        {
            var echo = await alice.ExpectAsync("PRIVMSG");
            Assert.Equal($"m{i}", echo.Parameters[1]);
            var seen = await bob.ExpectAsync("PRIVMSG");
            Assert.Equal($"m{i}", seen.Parameters[1]);
            // Rule 10: in history before anyone received it, the sender included.
            Assert.Contains(seen.GetTag("msgid")!, gated.CommittedIds);
        }
        Assert.Equal(["done"], (await alice.ExpectAsync("PONG")).Parameters.Skip(1));
    }

    [Fact]
    public async Task Quit_RightAfterAPrivmsg_StillGetsItsEcho_BeforeError()
    {
        GatedStore? gated = null;
        await using var server = new TestServer(wrapHistory: inner => gated = new GatedStore(inner));
        var (alice, bob) = await TwoInChannelAsync(server);
        gated!.Close();

        await alice.SendAsync("PRIVMSG #c :last words\r\nQUIT :bye");
        await gated.AppendStarted.Task.WaitAsync(Timeout);
        gated.Open();

        var lines = await alice.ReadUntilClosedAsync();
        Assert.Equal(["PRIVMSG", "ERROR"], lines.Select(l => l.Command));
        Assert.Equal("last words", lines[0].Parameters[1]);
        Assert.Equal("last words", (await bob.ExpectAsync("PRIVMSG")).Parameters[1]);
        Assert.Equal("QUIT", (await bob.ExpectAsync("QUIT")).Command);
    }

    [Fact]
    public async Task Chathistory_RightAfterAPipelinedPrivmsg_FindsIt()
    {
        await using var server = new TestServer();
        var (alice, _) = await TwoInChannelAsync(server);

        await alice.SendAsync("PRIVMSG #c :one\r\nPRIVMSG #c :two\r\nCHATHISTORY LATEST #c * 10");
        var lines = await alice.SyncAsync();
        var texts = lines.Where(l => l.Command == "PRIVMSG" && l.GetTag("batch") is not null).Select(l => l.Parameters[1]);
        Assert.Equal(["one", "two"], texts);
    }

    [Fact]
    public async Task AClient_NeverHasMoreThanTheLimitOfCommandsWaiting()
    {
        GatedStore? gated = null;
        await using var server = new TestServer(wrapHistory: inner => gated = new GatedStore(inner));
        var (alice, bob) = await TwoInChannelAsync(server);
        gated!.Watch(alice.Session);
        gated.Close();

        const int count = IrcConnection.MaxPendingCommands * 3;
        await alice.SendAsync(string.Join("\r\n", Enumerable.Range(0, count).Select(i => $"PRIVMSG #c :m{i}")));
        await gated.AppendStarted.Task.WaitAsync(Timeout);
        gated.Open();

        for (var i = 0; i < count; i++)
        {
            Assert.Equal($"m{i}", (await bob.ExpectAsync("PRIVMSG")).Parameters[1]);
        }
        Assert.InRange(gated.MostPendingSeen, 0, IrcConnection.MaxPendingCommands);
    }

    private static async Task<(TestClient Alice, TestClient Bob)> TwoInChannelAsync(TestServer server)
    {
        var alice = await server.ConnectRegisteredAsync("alice", Caps);
        var bob = await server.ConnectRegisteredAsync("bob", Caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await alice.SyncAsync();
        return (alice, bob);
    }

    /// <summary>history.db, whose commits wait while the test holds them back (after <see cref="Close"/>).</summary>
    private sealed class GatedStore(IHistoryStore inner) : IHistoryStore
    {
        private readonly Lock _lock = new();
        private readonly HashSet<string> _committed = [];
        private TaskCompletionSource _gate = Opened();
        private Parley.Server.Sessions.Session? _watched;
        private int _mostPending;

        public TaskCompletionSource AppendStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int MostPendingSeen => Volatile.Read(ref _mostPending);

        public IReadOnlyCollection<string> CommittedIds
        {
            get
            {
                lock (_lock)
                {
                    return [.. _committed];
                }
            }
        }

        /// <summary>Commits from now on wait for <see cref="Open"/>.</summary>
        public void Close()
        {
            _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            AppendStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public void Open() => _gate.TrySetResult();

        /// <summary>Notes, at every commit, how many of this session's commands wait in the pipeline.</summary>
        public void Watch(Parley.Server.Sessions.Session session) => _watched = session;

        public async Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default)
        {
            if (_watched is { } s)
            {
                var pending = s.PendingCommands;
                if (pending > _mostPending)
                {
                    Volatile.Write(ref _mostPending, pending);
                }
            }
            AppendStarted.TrySetResult();
            await _gate.Task;
            await inner.AppendAsync(records, cancellationToken);
            lock (_lock)
            {
                foreach (var r in records)
                {
                    _committed.Add(r.MsgId);
                }
            }
        }

        private static TaskCompletionSource Opened()
        {
            var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            t.SetResult();
            return t;
        }

        public HistoryRetention Retention { get => inner.Retention; set => inner.Retention = value; }
        public Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
        public Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default) => inner.FindAsync(target, msgId, cancellationToken);
        public Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
            => inner.ListTargetsAsync(owner, channels, after, before, limit, cancellationToken);
        public Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default) => inner.GetAsync(target, msgId, cancellationToken);
        public Task<int> DeleteAsync(string msgId, CancellationToken cancellationToken = default) => inner.DeleteAsync(msgId, cancellationToken);
        public Task<IReadOnlyList<HistoryRecord>> TakePendingAsync(string foldedAccount, CancellationToken cancellationToken = default) => inner.TakePendingAsync(foldedAccount, cancellationToken);
        public Task PruneAsync(DateTimeOffset olderThan, int maxPerTarget, CancellationToken cancellationToken = default) => inner.PruneAsync(olderThan, maxPerTarget, cancellationToken);
        public Task<DateTimeOffset?> GetReadMarkerAsync(string owner, string target, CancellationToken cancellationToken = default) => inner.GetReadMarkerAsync(owner, target, cancellationToken);
        public Task<DateTimeOffset> SetReadMarkerAsync(string owner, string target, DateTimeOffset time, CancellationToken cancellationToken = default) => inner.SetReadMarkerAsync(owner, target, time, cancellationToken);

        public void Dispose()
        {
            _gate.TrySetResult();
            inner.Dispose();
        }
    }
}
