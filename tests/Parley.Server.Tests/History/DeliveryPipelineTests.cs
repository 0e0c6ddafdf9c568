using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Network;
using Parley.Server.Sessions;
using Parley.Server.Storage;

namespace Parley.Server.Tests.History;

/// <summary>ARCHITECTURE.md rule 10 at the pipeline: nothing sequenced after a record is delivered before the record is committed.</summary>
public sealed class DeliveryPipelineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Delivery_AfterARecord_WaitsForItsCommit_AndKeepsOrder()
    {
        using var store = new GatedStore();
        var pipeline = new DeliveryPipeline(store, NullLogger.Instance);
        var sink = new RecordingSink(store);

        pipeline.Deliver(sink, Line("before"));
        Assert.Equal(["before"], sink.Texts);

        pipeline.Store(Record("m1"));
        pipeline.Deliver(sink, Line("m1"));
        pipeline.Deliver(sink, Line("after"));
        await store.AppendStarted.Task.WaitAsync(Timeout);
        // The writer is inside the commit: the deliveries sequenced after the record wait.
        Assert.Equal(["before"], sink.Texts);
        var delivered = pipeline.WhenDeliveredAsync().AsTask();
        Assert.False(delivered.IsCompleted);

        store.Release();
        await delivered.WaitAsync(Timeout);
        Assert.Equal(["before", "m1", "after"], sink.Texts);
        // Each was delivered once the record was committed.
        Assert.Equal([0, 1, 1], sink.CommittedAtDelivery);
    }

    [Fact]
    public async Task Records_WhileACommitRuns_AreCommittedTogetherInTheNextTransaction()
    {
        using var store = new GatedStore();
        var pipeline = new DeliveryPipeline(store, NullLogger.Instance);
        pipeline.Store(Record("a"));
        await store.AppendStarted.Task.WaitAsync(Timeout);
        for (var i = 0; i < 50; i++)
        {
            pipeline.Store(Record("b" + i));
        }
        store.Release();
        await pipeline.WhenDeliveredAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal([1, 50], store.BatchSizes);
        Assert.Equal((51, 2), pipeline.Stats);
    }

    [Fact]
    public void WithoutAStore_DeliversAtOnce()
    {
        var pipeline = new DeliveryPipeline(null, NullLogger.Instance);
        var sink = new RecordingSink(null);
        pipeline.Store(Record("ignored"));
        pipeline.Deliver(sink, Line("x"));
        Assert.Equal(["x"], sink.Texts);
        Assert.True(pipeline.WhenDeliveredAsync().AsTask().IsCompleted);
        Assert.False(pipeline.Enabled);
    }

    private static OutboundMessage Line(string text) => new("a!a@h", "PRIVMSG", "#c", text);

    private static HistoryRecord Record(string msgid)
        => new("#c", null, DateTimeOffset.UnixEpoch, msgid, "PRIVMSG", "a!a@h", null, ["#c", msgid]);

    private sealed class RecordingSink(GatedStore? store) : IClientSink
    {
        public List<string> Texts { get; } = [];
        public List<int> CommittedAtDelivery { get; } = [];
        public Capability Caps => Capability.None;

        public void Deliver(OutboundMessage message)
        {
            lock (Texts)
            {
                Texts.Add(message.Parameters[^1]);
                CommittedAtDelivery.Add(store?.Committed ?? 0);
            }
        }

        public void Disconnect(string reason)
        {
        }
    }

    /// <summary>A store whose first commit waits until the test releases it.</summary>
    private sealed class GatedStore : IHistoryStore
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _committed;

        public TaskCompletionSource AppendStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<int> BatchSizes { get; } = [];
        public int Committed => Volatile.Read(ref _committed);

        public void Release() => _gate.TrySetResult();

        public async Task AppendAsync(IReadOnlyList<HistoryRecord> records, CancellationToken cancellationToken = default)
        {
            AppendStarted.TrySetResult();
            await _gate.Task;
            BatchSizes.Add(records.Count);
            Interlocked.Add(ref _committed, records.Count);
        }

        public HistoryRetention Retention { get; set; } = HistoryRetention.None;
        public Task<IReadOnlyList<HistoryRecord>> QueryAsync(HistoryQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HistoryPoint?> FindAsync(string target, string msgId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<HistoryTargetInfo>> ListTargetsAsync(string? owner, IReadOnlyList<string> channels, DateTimeOffset after, DateTimeOffset before, int limit, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<HistoryRecord?> GetAsync(string target, string msgId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<int> DeleteAsync(string msgId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<HistoryRecord>> TakePendingAsync(string foldedAccount, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task PruneAsync(DateTimeOffset olderThan, int maxPerTarget, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<DateTimeOffset?> GetReadMarkerAsync(string owner, string target, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<DateTimeOffset> SetReadMarkerAsync(string owner, string target, DateTimeOffset time, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Dispose() => _gate.TrySetResult();
    }
}
