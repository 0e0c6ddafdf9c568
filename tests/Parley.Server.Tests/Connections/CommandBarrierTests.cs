using Microsoft.Extensions.Time.Testing;
using Parley.Server.Connections;
using Parley.Server.Storage;
using Parley.Server.Tests.Infrastructure;

namespace Parley.Server.Tests.Connections;

/// <summary>
/// A PING is a barrier: its PONG leaves after everything the server had begun handling, on any
/// connection, when it read the PING (irctest and bots send a line on one connection, PING on
/// another, and take the PONG as proof the line was handled).
/// </summary>
public sealed class CommandBarrierTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void NothingInProgress_CompletesAtOnce()
    {
        var barrier = new CommandBarrier(new FakeTimeProvider());
        var epoch = barrier.Enter();
        barrier.Exit(epoch);

        Assert.True(barrier.WhenBegunEndedAsync().AsTask().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitsForWhatBeganBefore_NotForWhatBeganAfter()
    {
        var barrier = new CommandBarrier(new FakeTimeProvider());
        var before = barrier.Enter();

        var waiting = barrier.WhenBegunEndedAsync().AsTask();
        var after = barrier.Enter();
        Assert.False(waiting.IsCompleted);

        barrier.Exit(before);
        await waiting.WaitAsync(Timeout);
        barrier.Exit(after);
    }

    [Fact]
    public async Task ASecondBarrier_WaitsForWhatBeganBeforeIt_AfterTheFirst()
    {
        var barrier = new CommandBarrier(new FakeTimeProvider());
        var a = barrier.Enter();
        var first = barrier.WhenBegunEndedAsync().AsTask();
        var b = barrier.Enter();
        var second = barrier.WhenBegunEndedAsync().AsTask();
        var c = barrier.Enter();

        barrier.Exit(a);
        await first.WaitAsync(Timeout);
        // The first barrier's wait is over; b began before the second: it still waits. (It may
        // wait for c too, which began after it in the same epoch: a little longer, never less.)
        Assert.False(second.IsCompleted);
        barrier.Exit(c);
        Assert.False(second.IsCompleted);

        barrier.Exit(b);
        await second.WaitAsync(Timeout);
        Assert.Equal(0, barrier.Waiting);
    }

    [Fact]
    public async Task ACommandThatDoesNotEnd_DelaysThePongByMaxWait_NoMore()
    {
        var time = new FakeTimeProvider();
        var barrier = new CommandBarrier(time);
        var stuck = barrier.Enter();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        barrier.OnWaiting = () => started.TrySetResult();

        var waiting = barrier.WhenBegunEndedAsync().AsTask();
        await started.Task.WaitAsync(Timeout);
        time.Advance(CommandBarrier.MaxWait - TimeSpan.FromMilliseconds(1));
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await waiting.WaitAsync(Timeout);
        barrier.Exit(stuck);
    }

    [Fact]
    public async Task Pong_ComesAfterWhatAnotherConnectionsEarlierCommandSent()
    {
        // Alice's REDACT waits for a history read the test holds back; Bob's PING, read while it
        // waits, must not be answered before Alice's REDACT has reached him.
        GatedReads? store = null;
        await using var server = new TestServer(wrapHistory: inner => store = new GatedReads(inner));
        string[] caps = ["message-tags", "echo-message", "draft/message-redaction"];
        var alice = await server.ConnectRegisteredAsync("alice", caps);
        var bob = await server.ConnectRegisteredAsync("bob", caps);
        await alice.SendAsync("JOIN #c");
        await alice.SyncAsync();
        await bob.SendAsync("JOIN #c");
        await bob.SyncAsync();
        await alice.SyncAsync();
        await alice.SendAsync("PRIVMSG #c :oops");
        var msgid = (await alice.ExpectAsync("PRIVMSG")).GetTag("msgid")!;
        await bob.ExpectAsync("PRIVMSG");

        store!.Close();
        await alice.SendAsync($"REDACT #c {msgid}");
        await store.ReadStarted.Task.WaitAsync(Timeout);
        var pingWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.Context.Barrier.OnWaiting = () => pingWaits.TrySetResult();
        await bob.SendAsync("PING :after");
        await pingWaits.Task.WaitAsync(Timeout);
        store.Open();

        Assert.Equal(["#c", msgid], (await bob.ReadAsync(Timeout)).Parameters);
        Assert.Equal("PONG", (await bob.ReadAsync(Timeout)).Command);
    }

    /// <summary>history.db, whose single-message reads (REDACT's) wait while the test holds them back.</summary>
    private sealed class GatedReads(IHistoryStore inner) : IHistoryStore
    {
        private TaskCompletionSource _gate = Opened();

        public TaskCompletionSource ReadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => _gate.TrySetResult();

        public async Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default)
        {
            ReadStarted.TrySetResult();
            await _gate.Task;
            return await inner.GetAsync(target, msgId, cancellationToken);
        }

        private static TaskCompletionSource Opened()
        {
            var t = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            t.SetResult();
            return t;
        }

        public HistoryRetention Retention { get => inner.Retention; set => inner.Retention = value; }
        public Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default) => inner.AppendAsync(records, cancellationToken);
        public Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default) => inner.QueryAsync(query, cancellationToken);
        public Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default) => inner.FindAsync(target, msgId, cancellationToken);
        public Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
            => inner.ListTargetsAsync(owner, channels, after, before, limit, cancellationToken);
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
